import { useEffect, useMemo, useState } from 'react';
import { api, query } from '../api.ts';
import type { ApiError } from '../api.ts';
import { ConfirmDialog, EmptyState, ErrorBox, Loading } from '../components/feedback.tsx';
import { ChannelIcon, departmentColour, Icon } from '../components/icons.tsx';
import { brief, formatDate, formatDateTime, formatNumber, formatRelative, label } from '../format.ts';
import { Link, navigate } from '../router.tsx';
import { toApiError, useAction, useApi } from '../use-api.ts';
import { CustomerSearchBox, initials } from './customer-search.tsx';
import { CustomerTimeline, describeEvent } from './customer-timeline.tsx';
import { CustomerSegments } from './segment-customer-panel.tsx';
import type { Identifier, Merge, Profile, Source, TimelineEvent, TimelinePage, UnmergeResult } from './customer-types.ts';

/** The customer card: who they are, what we know, their last contacts, the timeline, identifiers and merges. */
export function CustomerPage({ id }: { id: string }) {
  const [version, setVersion] = useState(0);
  const profile = useApi<Profile>(`/profiles/${encodeURIComponent(id)}`);
  const sources = useApi<{ items: Source[] }>('/sources');
  const sourceNames = useMemo(() => new Map((sources.data?.items ?? []).map((source) => [source.id, source.name])), [sources.data]);
  const [unmerged, setUnmerged] = useState<UnmergeResult | null>(null);

  useEffect(() => setUnmerged(null), [id]);

  const top = (
    <div className="page-top">
      <Link to="/customers" className="back">← All customers</Link>
      <CustomerSearchBox initial="" compact onSubmit={(text) => navigate(`/customers${query({ q: text.trim() })}`)} />
    </div>
  );

  if (profile.error && !profile.data) {
    return (
      <div className="page">
        {top}
        {profile.error.code === 'CENTRIC_ERR_PROFILE_NOT_FOUND' ? (
          <EmptyState title="This customer does not exist" action={<Link to="/customers" className="button primary">Search for a customer</Link>}>
            {profile.error.message}. The link may be old: search by name, email or phone instead.
          </EmptyState>
        ) : (
          <ErrorBox error={profile.error} title="The customer could not be loaded." onRetry={profile.reload} />
        )}
      </div>
    );
  }
  const data = profile.data;
  if (!data) {
    return (
      <div className="page">
        {top}
        <Loading what="the customer" />
      </div>
    );
  }

  return (
    <div className="page customer">
      {top}
      {data.note ? <div className="notice">{data.note}.</div> : null}
      {unmerged ? (
        <div className="notice success" role="status">
          Merge undone: <Link to={`/customers/${encodeURIComponent(unmerged.restoredProfileId)}`}>{unmerged.restoredProfileId}</Link> is a customer of
          its own again, with {unmerged.movedIdentifiers.length} identifier{unmerged.movedIdentifiers.length === 1 ? '' : 's'} and{' '}
          {formatNumber(unmerged.movedEvents)} event{unmerged.movedEvents === 1 ? '' : 's'}. The two stay apart from now on.
        </div>
      ) : null}
      <CustomerHeader profile={data} />
      <div className="card-grid">
        <Facts profile={data} key={`facts-${data.id}-${version}`} />
        <LastInteractions profile={data} key={`last-${data.id}-${version}`} />
      </div>
      <div className="customer-body">
        <section className="panel" aria-labelledby="timeline-title">
          <h2 id="timeline-title">Timeline</h2>
          <CustomerTimeline profile={data} sourceNames={sourceNames} key={`timeline-${data.id}-${version}`} />
        </section>
        <div className="side">
          <MergeHistory
            profile={data}
            onUnmerged={(result) => {
              setUnmerged(result);
              setVersion((value) => value + 1);
              profile.reload();
            }}
          />
          <Identifiers identifiers={data.identifiers} />
          <CustomerSegments profileId={data.id} key={`segments-${data.id}-${version}`} />
          <Traits profile={data} sourceNames={sourceNames} />
        </div>
      </div>
    </div>
  );
}

function CustomerHeader({ profile }: { profile: Profile }) {
  const trait = (name: string) => {
    const value = profile.traits[name]?.value;
    return typeof value === 'string' || typeof value === 'number' ? String(value) : null;
  };
  const emails = profile.identifiers.filter((identifier) => identifier.type === 'email').map((identifier) => identifier.value);
  const phones = profile.identifiers.filter((identifier) => identifier.type === 'phone').map((identifier) => identifier.value);
  const place = [trait('city'), trait('country')].filter(Boolean).join(', ');
  return (
    <section className="customer-header" aria-label="Who they are">
      <span className="avatar large" aria-hidden="true">{initials(profile.displayName)}</span>
      <div className="who">
        <h1>{profile.displayName ?? 'Unnamed customer'}</h1>
        <div className="contact">
          {emails.map((email) => (
            <a key={email} href={`mailto:${email}`}>{email}</a>
          ))}
          {phones.map((phone) => (
            <a key={phone} href={`tel:${phone}`}>{phone}</a>
          ))}
          {place ? <span>{place}</span> : null}
          {emails.length + phones.length === 0 && !place ? <span className="muted">No email or phone number known yet</span> : null}
        </div>
      </div>
      <div className="header-stats">
        <Stat label="Customer since" value={formatDate(profile.summary.firstSeen)} />
        <Stat label="Last seen" value={formatRelative(profile.summary.lastSeen)} title={formatDateTime(profile.summary.lastSeen)} />
        <Stat label="Interactions" value={formatNumber(profile.summary.eventCount)} />
      </div>
    </section>
  );
}

function Stat({ label: name, value, title }: { label: string; value: string; title?: string }) {
  return (
    <div className="stat" title={title}>
      <span className="stat-value">{value}</span>
      <span className="stat-label">{name}</span>
    </div>
  );
}

/** Computed facts: channel mix, departments, touchpoints, satisfaction from the latest survey answer. */
function Facts({ profile }: { profile: Profile }) {
  const recent = useApi<TimelinePage>(`/profiles/${encodeURIComponent(profile.id)}/events?limit=200`);
  const channels = sorted(profile.summary.channels);
  const departments = sorted(profile.summary.departments);
  const touchpoints = sorted(profile.summary.touchpoints);
  const total = profile.summary.eventCount || 1;
  const satisfaction = recent.data ? latestSatisfaction(recent.data.items) : undefined;
  return (
    <section className="panel" aria-labelledby="facts-title">
      <h2 id="facts-title">At a glance</h2>
      {profile.summary.eventCount === 0 ? (
        <p className="muted">No interactions yet: facts appear with the first event.</p>
      ) : (
        <dl className="facts">
          <dt>Most used channel</dt>
          <dd>
            {channels[0] ? (
              <span className="channel-chip">
                <ChannelIcon channel={channels[0][0]} size={16} /> {label(channels[0][0])}
              </span>
            ) : '—'}{' '}
            <span className="muted">{channels[0] ? `${formatNumber(channels[0][1])} of ${formatNumber(total)} interactions` : ''}</span>
          </dd>
          <dt>Channels</dt>
          <dd>
            <div className="mix" role="img" aria-label={channels.map(([name, count]) => `${label(name)} ${count}`).join(', ')}>
              {channels.map(([name, count]) => (
                <span key={name} className="mix-item" title={`${label(name)}: ${formatNumber(count)}`}>
                  <ChannelIcon channel={name} size={14} /> {label(name)} <b>{formatNumber(count)}</b>
                </span>
              ))}
            </div>
          </dd>
          <dt>Departments</dt>
          <dd>
            <div className="bar" aria-hidden="true">
              {departments.map(([name, count]) => (
                <span key={name} style={{ width: `${(count / total) * 100}%`, background: departmentColour(name) }} title={`${label(name)}: ${count}`} />
              ))}
            </div>
            <div className="legend">
              {departments.map(([name, count]) => (
                <span key={name} className="legend-item">
                  <span className="dot" style={{ background: departmentColour(name) }} /> {label(name)} {formatNumber(count)}
                </span>
              ))}
            </div>
          </dd>
          <dt>Top touchpoints</dt>
          <dd>{touchpoints.slice(0, 4).map(([name, count]) => `${name} (${formatNumber(count)})`).join(', ')}</dd>
          <dt>Satisfaction</dt>
          <dd>
            {recent.error ? (
              <span className="muted">could not be read ({recent.error.message})</span>
            ) : satisfaction === undefined ? (
              <span className="muted">…</span>
            ) : satisfaction === null ? (
              <span className="muted">no survey answer among the last {formatNumber(recent.data?.items.length ?? 0)} interactions</span>
            ) : (
              <span className={`score ${satisfaction.tone}`}>
                {satisfaction.text} <span className="muted">on {formatDate(satisfaction.at)}{satisfaction.about ? `, about ${satisfaction.about}` : ''}</span>
              </span>
            )}
          </dd>
        </dl>
      )}
    </section>
  );
}

function sorted(counts: Record<string, number>): Array<[string, number]> {
  return Object.entries(counts).sort((a, b) => b[1] - a[1]);
}

/** The newest survey answer with a numeric score; NPS scores get their usual reading. */
function latestSatisfaction(events: TimelineEvent[]): { text: string; tone: 'good' | 'neutral' | 'bad'; at: string; about: string | null } | null {
  for (const event of events) {
    const properties = event.payload.properties ?? {};
    const score = properties.score;
    if (typeof score !== 'number' || !/survey|nps|csat|ces|feedback|rating/i.test(`${event.event ?? ''} ${String(properties.survey ?? '')}`)) continue;
    const survey = String(properties.survey ?? 'score').toLowerCase();
    const about = typeof properties.touchpoint === 'string' ? properties.touchpoint : null;
    if (survey === 'nps') {
      const tone = score >= 9 ? 'good' : score >= 7 ? 'neutral' : 'bad';
      return { text: `NPS ${score} of 10 (${tone === 'good' ? 'promoter' : tone === 'neutral' ? 'passive' : 'detractor'})`, tone, at: event.timestamp, about };
    }
    const scale = survey === 'csat' ? 5 : survey === 'ces' ? 7 : null;
    const tone = scale === null ? 'neutral' : score / scale >= 0.8 ? 'good' : score / scale >= 0.5 ? 'neutral' : 'bad';
    return { text: `${survey.toUpperCase()} ${score}${scale ? ` of ${scale}` : ''}`, tone, at: event.timestamp, about };
  }
  return null;
}

/** The newest interaction with each department: what a caller last did with whom. */
function LastInteractions({ profile }: { profile: Profile }) {
  const departments = sorted(profile.summary.departments).map(([name]) => name);
  const [latest, setLatest] = useState<Array<{ department: string; event: TimelineEvent | null }> | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const key = departments.join(',');
  useEffect(() => {
    let live = true;
    Promise.all(
      departments.map(async (department) => {
        const page = await api<TimelinePage>('GET', `/profiles/${encodeURIComponent(profile.id)}/events${query({ department, limit: 1 })}`);
        return { department, event: page.items[0] ?? null };
      }),
    ).then(
      (items) => live && setLatest(items.sort((a, b) => (b.event?.timestamp ?? '').localeCompare(a.event?.timestamp ?? ''))),
      (caught: unknown) => live && setError(toApiError(caught)),
    );
    return () => {
      live = false;
    };
  }, [profile.id, key]);

  return (
    <section className="panel" aria-labelledby="last-title">
      <h2 id="last-title">Last interactions</h2>
      {error ? <ErrorBox error={error} /> : null}
      {departments.length === 0 ? <p className="muted">None yet.</p> : null}
      {!latest && !error && departments.length > 0 ? <Loading what="the last interactions" /> : null}
      <ul className="last-list">
        {latest?.map(({ department, event }) =>
          event ? (
            <li key={department}>
              <span className="event-icon" style={{ background: departmentColour(department) }}>
                <ChannelIcon channel={event.channel} size={16} />
              </span>
              <span className="last-main">
                <span className="last-title">{describeEvent(event)}</span>
                <span className="muted">
                  {label(department)} · {event.touchpoint} · {label(event.channel)}
                </span>
              </span>
              <span className="last-when" title={formatDateTime(event.timestamp)}>{formatRelative(event.timestamp)}</span>
            </li>
          ) : null,
        )}
      </ul>
    </section>
  );
}

function Traits({ profile, sourceNames }: { profile: Profile; sourceNames: Map<string, string> }) {
  const entries = Object.entries(profile.traits).sort(([a], [b]) => a.localeCompare(b));
  return (
    <section className="panel" aria-labelledby="traits-title">
      <h2 id="traits-title">What they told us</h2>
      {entries.length === 0 ? (
        <p className="muted">No traits yet. They arrive with identify calls (a sign-up, a form) from any source.</p>
      ) : (
        <table className="table compact">
          <thead>
            <tr>
              <th>Trait</th>
              <th>Value</th>
              <th>From</th>
            </tr>
          </thead>
          <tbody>
            {entries.map(([name, trait]) => (
              <tr key={name}>
                <td>{label(name)}</td>
                <td className="value">{brief(trait.value, 80)}</td>
                <td className="muted" title={trait.messageId ?? undefined}>
                  {trait.sourceId ? (sourceNames.get(trait.sourceId) ?? trait.sourceId) : '—'}, {formatDate(trait.at)}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function Identifiers({ identifiers }: { identifiers: Identifier[] }) {
  const byType = new Map<string, Identifier[]>();
  for (const identifier of identifiers) byType.set(identifier.type, [...(byType.get(identifier.type) ?? []), identifier]);
  const order = ['user_id', 'customer_number', 'email', 'phone', 'loyalty_card', 'device_id', 'anonymous_id'];
  const types = [...byType.keys()].sort((a, b) => (order.indexOf(a) + 1 || 99) - (order.indexOf(b) + 1 || 99));
  return (
    <section className="panel" aria-labelledby="identifiers-title">
      <h2 id="identifiers-title">Identifiers <span className="count">{identifiers.length}</span></h2>
      <dl className="identifiers">
        {types.map((type) => (
          <div key={type} className="identifier-group">
            <dt>{label(type)}</dt>
            <dd>
              {byType.get(type)!.map((identifier) => (
                <code key={identifier.value} title={identifier.addedAt ? `added ${formatDateTime(identifier.addedAt)}` : undefined}>
                  {identifier.value}
                </code>
              ))}
            </dd>
          </div>
        ))}
      </dl>
    </section>
  );
}

function MergeHistory({ profile, onUnmerged }: { profile: Profile; onUnmerged: (result: UnmergeResult) => void }) {
  const [confirming, setConfirming] = useState<Merge | null>(null);
  const { busy, error, run } = useAction();
  const merges = [...profile.merges].reverse();

  const undo = async () => {
    if (!confirming) return;
    await run(async () => {
      const result = await api<UnmergeResult>('POST', `/profiles/${encodeURIComponent(profile.id)}/unmerge`, { mergeId: confirming.id });
      setConfirming(null);
      onUnmerged(result);
    });
    setConfirming(null);
  };

  return (
    <section className="panel" aria-labelledby="merges-title">
      <h2 id="merges-title">Merge history <span className="count">{profile.merges.length}</span></h2>
      {error ? <ErrorBox error={error} title="The merge was not undone." /> : null}
      {merges.length === 0 ? (
        <p className="muted">
          This customer was never joined with another profile. When an event links two profiles (the same email in the shop and at the hotline,
          say), the merge appears here and can be undone.
        </p>
      ) : (
        <ol className="merge-list">
          {merges.map((merge) => (
            <li key={merge.id} className={merge.undoneAt ? 'merge undone' : 'merge'}>
              <Icon name="merge" />
              <div className="merge-main">
                <div>
                  <strong>{formatDateTime(merge.createdAt)}</strong>: joined with profile <code>{merge.absorbedId}</code>, because one event ({merge.rule})
                  carried {identifierList(merge.linkingIdentifiers)}.
                </div>
                <div className="muted">It brought {identifierList(merge.absorbedIdentifiers)}.</div>
              </div>
              {merge.undoneAt ? (
                <span className="badge">Undone {formatDate(merge.undoneAt)}</span>
              ) : (
                <button type="button" className="button small danger-outline" onClick={() => setConfirming(merge)}>
                  Undo merge…
                </button>
              )}
            </li>
          ))}
        </ol>
      )}
      {confirming ? (
        <ConfirmDialog title="Undo this merge?" confirmLabel="Undo merge" danger busy={busy} onConfirm={undo} onCancel={() => setConfirming(null)}>
          <p>
            Profile <code>{confirming.absorbedId}</code> becomes a customer of its own again. It gets back {identifierList(confirming.absorbedIdentifiers)},
            and every event that came with them moves back too.
          </p>
          <p>Both customers' details are recomputed from their own events, and they stay apart afterwards, even if a later event links them again.</p>
        </ConfirmDialog>
      ) : null}
    </section>
  );
}

function identifierList(identifiers: Identifier[]): string {
  if (identifiers.length === 0) return 'no identifiers';
  const shown = identifiers.slice(0, 4).map((identifier) => `${label(identifier.type).toLowerCase()} ${identifier.value}`);
  return shown.join(', ') + (identifiers.length > 4 ? ` and ${identifiers.length - 4} more` : '');
}
