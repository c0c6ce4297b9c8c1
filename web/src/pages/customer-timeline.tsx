import { useEffect, useState } from 'react';
import { api, query } from '../api.ts';
import type { ApiError } from '../api.ts';
import { EmptyState, ErrorBox, Loading } from '../components/feedback.tsx';
import { ChannelIcon, departmentColour } from '../components/icons.tsx';
import { brief, formatDay, formatNumber, formatTime, label } from '../format.ts';
import { toApiError } from '../use-api.ts';
import type { Profile, TimelineEvent, TimelinePage } from './customer-types.ts';

const PAGE_SIZE = 40;
const TYPES = ['track', 'page', 'screen', 'identify', 'alias', 'group'];

/** One line that says what happened: the event's name, the page seen, or the details given. */
export function describeEvent(event: TimelineEvent): string {
  const payload = event.payload;
  switch (event.type) {
    case 'track':
      return event.event ?? 'Event';
    case 'page':
      return `Viewed ${typeof payload.name === 'string' ? payload.name : typeof payload.properties?.path === 'string' ? payload.properties.path : 'a page'}`;
    case 'screen':
      return `Opened ${typeof payload.name === 'string' ? payload.name : 'a screen'} in the app`;
    case 'identify': {
      const traits = Object.keys(payload.traits ?? payload.context?.traits ?? {});
      return traits.length > 0 ? `Gave details: ${traits.slice(0, 4).map((trait) => label(trait).toLowerCase()).join(', ')}` : 'Identified';
    }
    case 'alias':
      return 'Linked a new id';
    case 'group':
      return 'Joined a group';
    default:
      return label(event.type);
  }
}

interface Filters {
  departments: string[];
  channels: string[];
  type: string;
}

/** The timeline across departments, newest first, with department, channel and type filters and paging. */
export function CustomerTimeline({ profile, sourceNames }: { profile: Profile; sourceNames: Map<string, string> }) {
  const [filters, setFilters] = useState<Filters>({ departments: [], channels: [], type: '' });
  const [items, setItems] = useState<TimelineEvent[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<ApiError | null>(null);
  const [attempt, setAttempt] = useState(0);

  const path = (after: string | null) =>
    `/profiles/${encodeURIComponent(profile.id)}/events${query({
      department: filters.departments,
      channel: filters.channels,
      type: filters.type || undefined,
      limit: PAGE_SIZE,
      cursor: after ?? undefined,
    })}`;

  useEffect(() => {
    let live = true;
    setLoading(true);
    setError(null);
    api<TimelinePage>('GET', path(null)).then(
      (page) => {
        if (!live) return;
        setItems(page.items);
        setCursor(page.nextCursor);
        setLoading(false);
      },
      (caught: unknown) => {
        if (!live) return;
        setError(toApiError(caught));
        setLoading(false);
      },
    );
    return () => {
      live = false;
    };
  }, [profile.id, filters, attempt]);

  const more = async () => {
    setLoading(true);
    try {
      const page = await api<TimelinePage>('GET', path(cursor));
      setItems((previous) => [...previous, ...page.items]);
      setCursor(page.nextCursor);
    } catch (caught) {
      setError(toApiError(caught));
    } finally {
      setLoading(false);
    }
  };

  const toggle = (key: 'departments' | 'channels', value: string) =>
    setFilters((previous) => ({
      ...previous,
      [key]: previous[key].includes(value) ? previous[key].filter((item) => item !== value) : [...previous[key], value],
    }));
  const filtered = filters.departments.length + filters.channels.length > 0 || filters.type !== '';
  const departments = Object.entries(profile.summary.departments).sort((a, b) => b[1] - a[1]);
  const channels = Object.entries(profile.summary.channels).sort((a, b) => b[1] - a[1]);

  return (
    <div className="timeline">
      <div className="filters" role="group" aria-label="Filter the timeline">
        <div className="filter-row">
          <span className="filter-label">Departments</span>
          {departments.map(([name, count]) => (
            <button
              key={name}
              type="button"
              className="chip"
              aria-pressed={filters.departments.includes(name)}
              onClick={() => toggle('departments', name)}
              data-department={name}
            >
              <span className="dot" style={{ background: departmentColour(name) }} /> {label(name)} <span className="chip-count">{formatNumber(count)}</span>
            </button>
          ))}
        </div>
        <div className="filter-row">
          <span className="filter-label">Channels</span>
          {channels.map(([name, count]) => (
            <button key={name} type="button" className="chip" aria-pressed={filters.channels.includes(name)} onClick={() => toggle('channels', name)}>
              <ChannelIcon channel={name} size={14} /> {label(name)} <span className="chip-count">{formatNumber(count)}</span>
            </button>
          ))}
        </div>
        <div className="filter-row">
          <label className="filter-label" htmlFor="timeline-type">Kind</label>
          <select id="timeline-type" value={filters.type} onChange={(event) => setFilters((previous) => ({ ...previous, type: event.target.value }))}>
            <option value="">All kinds</option>
            {TYPES.map((type) => (
              <option key={type} value={type}>
                {type === 'track' ? 'Actions (track)' : type === 'page' ? 'Page views' : type === 'screen' ? 'App screens' : type === 'identify' ? 'Details given (identify)' : label(type)}
              </option>
            ))}
          </select>
          {filtered ? (
            <button type="button" className="button small link" onClick={() => setFilters({ departments: [], channels: [], type: '' })}>
              Show everything
            </button>
          ) : null}
        </div>
      </div>
      {error ? <ErrorBox error={error} title="The timeline could not be loaded." onRetry={() => setAttempt((value) => value + 1)} /> : null}
      {!loading && !error && items.length === 0 ? (
        filtered ? (
          <EmptyState title="Nothing matches these filters" action={<button type="button" className="button" onClick={() => setFilters({ departments: [], channels: [], type: '' })}>Show everything</button>}>
            This customer has no interactions of this kind. Remove a filter to see more.
          </EmptyState>
        ) : (
          <EmptyState title="No interactions yet">
            Events from any source that carry one of this customer's identifiers appear here, newest first.
          </EmptyState>
        )
      ) : null}
      <ol className="events">
        {groupByDay(items).map(([day, events]) => (
          <li key={day} className="day">
            <h3 className="day-title">{day}</h3>
            <ol>
              {events.map((event) => (
                <TimelineItem key={event.messageId} event={event} sourceName={sourceNames.get(event.sourceId) ?? event.sourceId} />
              ))}
            </ol>
          </li>
        ))}
      </ol>
      {loading ? <Loading what="interactions" /> : null}
      {!loading && cursor ? (
        <button type="button" className="button wide" onClick={more}>
          Show older interactions
        </button>
      ) : null}
    </div>
  );
}

function TimelineItem({ event, sourceName }: { event: TimelineEvent; sourceName: string }) {
  const details = Object.entries(event.payload.properties ?? (event.type === 'identify' ? (event.payload.traits ?? {}) : {}))
    .filter(([, value]) => value !== null && value !== undefined && value !== '')
    .slice(0, 5);
  return (
    <li className="event" data-department={event.department} data-channel={event.channel}>
      <span className="event-icon" style={{ background: departmentColour(event.department) }} title={`${label(event.channel)} · ${label(event.department)}`}>
        <ChannelIcon channel={event.channel} size={16} />
      </span>
      <div className="event-main">
        <div className="event-title">
          <span>{describeEvent(event)}</span>
          <span className="department-pill" style={{ color: departmentColour(event.department), borderColor: departmentColour(event.department) }}>
            {label(event.department)}
          </span>
        </div>
        <div className="event-meta">
          {event.touchpoint} · {label(event.channel)} · via {sourceName}
        </div>
        {details.length > 0 ? (
          <div className="event-details">
            {details.map(([key, value]) => (
              <span key={key}>
                {label(key)}: <b>{brief(value, 40)}</b>
              </span>
            ))}
          </div>
        ) : null}
        {event.warnings.length > 0 ? <div className="event-warning">{event.warnings.join('; ')}</div> : null}
      </div>
      <time className="event-time" dateTime={event.timestamp}>
        {formatTime(event.timestamp)}
      </time>
    </li>
  );
}

function groupByDay(events: TimelineEvent[]): Array<[string, TimelineEvent[]]> {
  const groups: Array<[string, TimelineEvent[]]> = [];
  for (const event of events) {
    const day = formatDay(event.timestamp);
    const last = groups[groups.length - 1];
    if (last && last[0] === day) last[1].push(event);
    else groups.push([day, [event]]);
  }
  return groups;
}
