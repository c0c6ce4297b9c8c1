import { useEffect, useRef, useState } from 'react';
import { ChannelIcon, departmentColour } from '../components/icons.tsx';
import { formatNumber, label } from '../format.ts';
import { toApiError } from '../use-api.ts';
import { api, type ApiError } from '../api.ts';
import { ANALYTICS_ROUTES, ask, loadVocabulary, type AnalyticsStatus, type Filters, type Vocabulary } from './analytics-api.ts';

const DAY = 86_400_000;

/** A range of whole days, both ends included, as the date inputs show it. */
export interface DayRange {
  from: string;
  to: string;
}

function day(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** The last `days` days up to the newest event (or today when there is none). */
export function lastDays(days: number, newest: string | null): DayRange {
  const end = newest ? Date.parse(newest) : Date.now();
  return { from: day(end - (days - 1) * DAY), to: day(end) };
}

/** The API's half-open range in UTC: from the first day's start to the day after the last. */
export function toApiRange(range: DayRange): { from: string; to: string } {
  return { from: `${range.from}T00:00:00.000Z`, to: new Date(Date.parse(`${range.to}T00:00:00.000Z`) + DAY).toISOString() };
}

/** The workspace's event names, channels, touchpoints and departments, loaded once per page. */
export function useVocabulary(): { vocabulary: Vocabulary | null; error: ApiError | null } {
  const [vocabulary, setVocabulary] = useState<Vocabulary | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  useEffect(() => {
    loadVocabulary().then(setVocabulary, (caught: unknown) => setError(toApiError(caught)));
  }, []);
  return { vocabulary, error };
}

/** From and to dates with presets counted back from the newest event. */
export function RangePicker({ range, onChange, newest }: { range: DayRange; onChange: (range: DayRange) => void; newest: string | null }) {
  return (
    <div className="range-picker">
      <label>
        From
        <input type="date" value={range.from} max={range.to} onChange={(event) => event.target.value && onChange({ ...range, from: event.target.value })} />
      </label>
      <label>
        To
        <input type="date" value={range.to} min={range.from} onChange={(event) => event.target.value && onChange({ ...range, to: event.target.value })} />
      </label>
      <div className="presets" role="group" aria-label="Time range presets">
        {[7, 30, 90, 365].map((days) => {
          const preset = lastDays(days, newest);
          const active = preset.from === range.from && preset.to === range.to;
          return (
            <button key={days} type="button" className="chip" aria-pressed={active} onClick={() => onChange(preset)} title={newest ? 'counted back from the newest event' : undefined}>
              {days} days
            </button>
          );
        })}
      </div>
    </div>
  );
}

/** Department and channel chips; a question looks at the chosen ones only (none chosen: all). */
export function FilterChips({ vocabulary, filters, onChange }: { vocabulary: Vocabulary; filters: Filters; onChange: (filters: Filters) => void }) {
  const toggle = (key: 'department' | 'channel', value: string) => {
    const current = filters[key] ?? [];
    const next = current.includes(value) ? current.filter((item) => item !== value) : [...current, value];
    onChange({ ...filters, [key]: next.length > 0 ? next : undefined });
  };
  return (
    <div className="filters compact" role="group" aria-label="Filters">
      <div className="filter-row">
        <span className="filter-label">Departments</span>
        {vocabulary.departments.map((name) => (
          <button key={name} type="button" className="chip" aria-pressed={filters.department?.includes(name) ?? false} onClick={() => toggle('department', name)}>
            <span className="dot" style={{ background: departmentColour(name) }} /> {label(name)}
          </button>
        ))}
      </div>
      <div className="filter-row">
        <span className="filter-label">Channels</span>
        {vocabulary.channels.map((name) => (
          <button key={name} type="button" className="chip" aria-pressed={filters.channel?.includes(name) ?? false} onClick={() => toggle('channel', name)}>
            <ChannelIcon channel={name} size={14} /> {label(name)}
          </button>
        ))}
      </div>
    </div>
  );
}

/** Removes empty lists, so the request carries only the filters in force. */
export function cleanFilters(filters: Filters): Filters | undefined {
  const clean: Filters = {};
  for (const key of ['channel', 'touchpoint', 'department'] as const) if (filters[key] && filters[key]!.length > 0) clean[key] = filters[key];
  return Object.keys(clean).length > 0 ? clean : undefined;
}

/** "2 h 5 min", "3 days": a median time between steps. */
export function formatDuration(ms: number | null): string {
  if (ms === null) return '—';
  const minutes = Math.round(ms / 60_000);
  if (minutes < 1) return `${Math.round(ms / 1000)} s`;
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} h ${minutes % 60} min`;
  return `${Math.round(hours / 24)} days`;
}

/** Events the analytics copy may trail the history by before the pages say so: a live workspace's copy is a moment behind. */
const LAG_SHOWN = 500;

/**
 * Says so while the analytics copy trails the event history (after a first start on an existing
 * history it copies every stored event and merge in the background) or when its last copy step failed:
 * until then the answers cover only what is copied. The history's newest position is the events list's
 * paging cursor, which is the newest event's sequence number.
 */
export function AnalyticsCopyNotice({ onCaughtUp }: { onCaughtUp: () => void }) {
  const [state, setState] = useState<{ behind: number; error: string | null }>({ behind: 0, error: null });
  const caughtUp = useRef(onCaughtUp);
  caughtUp.current = onCaughtUp;
  useEffect(() => {
    let live = true;
    let wasBehind = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const poll = async () => {
      try {
        const [status, newest] = await Promise.all([
          api<AnalyticsStatus>('GET', ANALYTICS_ROUTES.status),
          api<{ nextCursor: string | null }>('GET', '/events?limit=1'),
        ]);
        if (!live) return;
        const behind = newest.nextCursor === null ? 0 : Math.max(0, Number(newest.nextCursor) - status.position.eventSeq);
        setState({ behind, error: status.sink?.lastError ?? null });
        if (wasBehind && behind <= LAG_SHOWN) caughtUp.current();
        wasBehind = behind > LAG_SHOWN;
      } catch {
        // The page's own question shows what is wrong with the server.
      }
      if (live) timer = setTimeout(poll, 3000);
    };
    void poll();
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, []);
  if (state.error) return <div className="notice" role="status">The analytics copy reports a problem: {state.error}. Answers may miss the newest events.</div>;
  if (state.behind <= LAG_SHOWN) return null;
  return (
    <div className="notice" role="status">
      The analytics copy is still catching up with the event history ({formatNumber(state.behind)} events to go). The answers below cover what is
      copied so far and are asked again when it is done.
    </div>
  );
}

/** Runs `route` with `body` whenever the body changes; a late answer to an old body is dropped. */
export function useQuestion<T>(route: Parameters<typeof ask>[0], body: object | null, refresh: number): { answer: T | null; error: ApiError | null; loading: boolean } {
  const key = body ? JSON.stringify(body) : null;
  const ticket = `${refresh}|${key}`;
  const [state, setState] = useState<{ ticket: string | null; answer: T | null; error: ApiError | null }>({ ticket: null, answer: null, error: null });
  useEffect(() => {
    if (key === null) return;
    let live = true;
    ask<T>(route, JSON.parse(key)).then(
      (answer) => live && setState({ ticket, answer, error: null }),
      (caught: unknown) => live && setState({ ticket, answer: null, error: toApiError(caught) }),
    );
    return () => {
      live = false;
    };
  }, [route, key, ticket]);
  return { answer: state.answer, error: state.error, loading: key !== null && state.ticket !== ticket };
}
