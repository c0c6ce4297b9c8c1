import { useEffect, useRef, useState, type ReactNode } from 'react';
import { api, query } from '../api.ts';
import { ConfirmDialog, CopyButton, EmptyState, ErrorBox, Loading } from '../components/feedback.tsx';
import { brief, formatDateTime, formatNumber, formatRelative, label } from '../format.ts';
import { Link, navigate } from '../router.tsx';
import { useAction, useApi, type Resource } from '../use-api.ts';
import { NewSegmentForm } from './segment-editor.tsx';
import { definitionText } from './segment-templates.ts';
import type { ComputedTrait, HistoryPage, MembersPage, MembershipChange, Segment } from './segment-types.ts';

/** How often a list or segment that is still computing is asked again. */
const POLL_MS = 2000;
const PAGE_SIZE = 25;

/** Segments: the list with sizes and progress, one segment's members and history, the new-segment form, computed traits. */
export function SegmentsPage({ selectedId }: { selectedId: string | null }) {
  return selectedId ? <SegmentDetail id={selectedId} key={selectedId} /> : <SegmentList />;
}

/** Asks `resource` again every POLL_MS while `busy` says its last answer is still computing. */
function usePollWhile<T>(resource: Resource<T>, busy: (data: T) => boolean): void {
  const { data, reload } = resource;
  const computing = data !== undefined && busy(data);
  useEffect(() => {
    if (!computing) return;
    const timer = setTimeout(reload, POLL_MS);
    return () => clearTimeout(timer);
  }, [data, computing, reload]);
}

function SegmentList() {
  const segments = useApi<{ items: Segment[] }>('/segments');
  const traits = useApi<{ items: ComputedTrait[] }>('/computed-traits');
  const [creating, setCreating] = useState(false);
  const [created, setCreated] = useState<string | null>(null);
  usePollWhile(segments, (data) => data.items.some((segment) => segment.progress.status === 'computing'));
  const items = segments.data?.items ?? [];
  const computedKeys = (traits.data?.items ?? []).map((trait) => trait.key);

  return (
    <div className="page">
      <div className="page-head">
        <h1>Segments</h1>
        {!creating ? (
          <button type="button" className="button primary" onClick={() => setCreating(true)}>
            New segment
          </button>
        ) : null}
      </div>
      <p className="lead">
        A segment is a group of customers defined by what they did and who they are, kept up to date as events arrive: repeat buyers, lapsed
        customers, store regulars who never opened the app. Export the members as CSV, or use the segment in other segments.
      </p>
      {creating ? (
        <NewSegmentForm
          computedKeys={computedKeys}
          onCancel={() => setCreating(false)}
          onCreated={(segment) => {
            setCreating(false);
            setCreated(segment.name);
            segments.reload();
          }}
        />
      ) : null}
      {created ? <CreatedNotice name={created} segment={items.find((segment) => segment.name === created)} /> : null}
      {segments.error ? <ErrorBox error={segments.error} title="The segments could not be loaded." onRetry={segments.reload} /> : null}
      {!segments.data && !segments.error ? <Loading what="segments" /> : null}
      {segments.data && items.length === 0 && !creating ? (
        <EmptyState title="No segments yet" action={<button type="button" className="button primary" onClick={() => setCreating(true)}>Create the first segment</button>}>
          Start from a template such as “Bought twice in 90 days” and see how many customers it finds before you save it.
        </EmptyState>
      ) : null}
      {items.length > 0 ? (
        <section className="panel" aria-labelledby="segments-title">
          <h2 id="segments-title">
            All segments <span className="count">{items.length}</span>
          </h2>
          <div className="table-wrap">
            <table className="table segment-table">
              <thead>
                <tr>
                  <th>Name</th>
                  <th className="num">Size</th>
                  <th>Status</th>
                  <th>Last edited</th>
                </tr>
              </thead>
              <tbody>
                {items.map((segment) => (
                  <tr key={segment.id} data-segment={segment.name}>
                    <td>
                      <Link to={`/segments/${encodeURIComponent(segment.id)}`} className="strong">{segment.name}</Link>
                      {segment.description ? <div className="muted small">{segment.description}</div> : null}
                    </td>
                    <td className="num" data-testid="segment-size">{formatNumber(segment.size)}</td>
                    <td>
                      <SegmentStatus segment={segment} />
                    </td>
                    <td title={formatDateTime(segment.updatedAt)}>{formatRelative(segment.updatedAt)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </section>
      ) : null}
      <ComputedTraits traits={traits} />
    </div>
  );
}

/** What happened to the segment just saved: computing, then ready with its size. */
function CreatedNotice({ name, segment }: { name: string; segment: Segment | undefined }) {
  return (
    <div className="notice success" role="status">
      {segment && segment.progress.status === 'ready' ? (
        <>
          Segment “{name}” saved and computed: <Link to={`/segments/${encodeURIComponent(segment.id)}`}>{formatNumber(segment.size)} customers</Link> are in it
          now, and it stays current as events arrive.
        </>
      ) : (
        <>Segment “{name}” saved. Its members are being computed; this list updates by itself until it is ready.</>
      )}
    </div>
  );
}

/** "ready", or "computing" with a bar of the customers done so far. */
function SegmentStatus({ segment }: { segment: Segment }) {
  const { status, done, total } = segment.progress;
  if (status === 'ready') return <span className="badge good">ready</span>;
  const share = total > 0 ? Math.min(1, done / total) : 0;
  return (
    <span className="segment-status">
      <span className="badge warn">computing</span>
      <span className="progress" role="progressbar" aria-label={`Computing ${segment.name}`} aria-valuemin={0} aria-valuemax={total} aria-valuenow={done}>
        <span style={{ width: `${share * 100}%` }} />
      </span>
      <span className="muted small">
        {formatNumber(done)} of {formatNumber(total)}
      </span>
    </span>
  );
}

function ComputedTraits({ traits }: { traits: Resource<{ items: ComputedTrait[] }> }) {
  return (
    <TablePanel
      id="traits-title"
      title={
        <>
          Computed traits <span className="count">{traits.data?.items.length ?? 0}</span>
        </>
      }
      label="Computed traits"
      what="computed traits"
      resource={traits}
      empty="None yet. They are created through the API (POST /api/v1/computed-traits)."
      intro={
        <p className="hint">
          Values worked out for every customer from their events, shown on the customer card and usable in segments as{' '}
          <code>{'{"kind": "computed", "key": …}'}</code>.
        </p>
      }
      headers={['Key', 'Name', 'Aggregate', 'Of']}
      row={(trait) => (
        <tr key={trait.id}>
          <td>
            <code>{trait.key}</code>
          </td>
          <td>
            {trait.name}
            {trait.description ? <div className="muted small">{trait.description}</div> : null}
          </td>
          <td>{label(aggregateOf(trait.definition))}</td>
          <td className="value">
            {describeTraitInput(trait.definition)}
            {trait.progress.status === 'computing' ? <span className="badge warn"> computing</span> : null}
          </td>
        </tr>
      )}
    />
  );
}

/** A panel of one table from the API: its error with a retry, a loading line, what an empty answer means, then the rows. */
function TablePanel<T>(props: {
  id: string;
  title: ReactNode;
  /** The table's accessible name. */
  label: string;
  /** What is loading, for "Loading …" and "The … could not be loaded." */
  what: string;
  resource: Resource<{ items: T[] }>;
  empty: ReactNode;
  headers: string[];
  row: (item: T) => ReactNode;
  compact?: boolean;
  intro?: ReactNode;
  footer?: ReactNode;
}) {
  const { resource } = props;
  const items = resource.data?.items ?? [];
  return (
    <section className="panel" aria-labelledby={props.id}>
      <h2 id={props.id}>{props.title}</h2>
      {props.intro}
      {resource.error ? <ErrorBox error={resource.error} title={`The ${props.what} could not be loaded.`} onRetry={resource.reload} /> : null}
      {!resource.data && !resource.error ? <Loading what={props.what} /> : null}
      {resource.data && items.length === 0 ? <p className="muted">{props.empty}</p> : null}
      {items.length > 0 ? (
        <div className="table-wrap">
          <table className={props.compact ? 'table compact' : 'table'} aria-label={props.label}>
            <thead>
              <tr>
                {props.headers.map((header) => (
                  <th key={header}>{header}</th>
                ))}
              </tr>
            </thead>
            <tbody>{items.map(props.row)}</tbody>
          </table>
        </div>
      ) : null}
      {props.footer}
    </section>
  );
}

function aggregateOf(definition: unknown): string {
  const aggregate = (definition as { aggregate?: unknown } | null)?.aggregate;
  return typeof aggregate === 'string' ? aggregate : '?';
}

/** What a computed trait aggregates, in a line: "property score of Survey Answered events", "the channel of every event". */
function describeTraitInput(definition: unknown): string {
  if (typeof definition !== 'object' || definition === null) return brief(definition);
  const { version: _version, aggregate: _aggregate, property, field, event, ...rest } = definition as Record<string, unknown>;
  const what = typeof property === 'string' ? `property ${property}` : typeof field === 'string' ? `the ${field}` : '';
  const which = typeof event === 'string' ? `${event} events` : 'every event';
  const more = Object.entries(rest).map(([key, value]) => `${key} ${brief(value, 60)}`);
  return [what ? `${what} of ${which}` : which, ...more].join(' · ');
}

/** One segment: its numbers, definition, members (paged, with a CSV of all) and recent entries and exits. */
function SegmentDetail({ id }: { id: string }) {
  const segment = useApi<Segment>(`/segments/${encodeURIComponent(id)}`);
  const [confirming, setConfirming] = useState(false);
  const { busy, error: deleteError, run } = useAction();
  usePollWhile(segment, (data) => data.progress.status === 'computing');
  const top = (
    <div className="page-top">
      <Link to="/segments" className="back">← All segments</Link>
    </div>
  );

  if (segment.error && !segment.data) {
    return (
      <div className="page">
        {top}
        {segment.error.status === 404 ? (
          <EmptyState title="This segment does not exist" action={<Link to="/segments" className="button primary">All segments</Link>}>
            {segment.error.message}. It may have been deleted.
          </EmptyState>
        ) : (
          <ErrorBox error={segment.error} title="The segment could not be loaded." onRetry={segment.reload} />
        )}
      </div>
    );
  }
  const data = segment.data;
  if (!data) {
    return (
      <div className="page">
        {top}
        <Loading what="the segment" />
      </div>
    );
  }

  const remove = async () => {
    await run(async () => {
      await api('DELETE', `/segments/${encodeURIComponent(data.id)}`);
      navigate('/segments');
    });
    // When it was refused, the dialog gives way to the reason (after a delete the page has moved on).
    setConfirming(false);
  };

  // Members and history are asked again whenever the segment's size or computation moves on.
  const version = `${data.size}-${data.progress.status}-${data.progress.done}-${data.revision}`;
  return (
    <div className="page">
      {top}
      <section className="panel" aria-labelledby="segment-title">
        <div className="panel-head">
          <h1 id="segment-title">{data.name}</h1>
          <div className="key-row">
            <a className="button small" href={`/api/v1/segments/${encodeURIComponent(data.id)}/members.csv`} download>
              Download CSV
            </a>
            <button type="button" className="button small danger-outline" onClick={() => setConfirming(true)} disabled={busy}>
              Delete…
            </button>
          </div>
        </div>
        {data.description ? <p className="muted">{data.description}</p> : null}
        {deleteError ? <ErrorBox error={deleteError} title="The segment was not deleted." /> : null}
        <dl className="facts">
          <dt>Size</dt>
          <dd>
            <b data-testid="segment-size">{formatNumber(data.size)}</b> customers {data.progress.status === 'computing' ? <span className="muted">so far</span> : null}
          </dd>
          <dt>Status</dt>
          <dd>
            <SegmentStatus segment={data} />
            {data.progress.status === 'ready' && data.progress.finishedAt ? (
              <span className="muted small"> computed {formatRelative(data.progress.finishedAt)}, kept current as events arrive</span>
            ) : null}
          </dd>
          <dt>Last edited</dt>
          <dd title={formatDateTime(data.updatedAt)}>
            {formatRelative(data.updatedAt)} <span className="muted small">(revision {data.revision}, created {formatDateTime(data.createdAt)})</span>
          </dd>
          <dt>Id</dt>
          <dd>
            <code>{data.id}</code>
          </dd>
        </dl>
      </section>
      <div className="segment-body">
        <Members segmentId={data.id} version={version} />
        <div>
          <section className="panel" aria-labelledby="definition-title">
            <div className="panel-head">
              <h2 id="definition-title">Definition</h2>
              <CopyButton text={definitionText(data.definition)} />
            </div>
            <pre className="payload definition">{definitionText(data.definition)}</pre>
          </section>
          <History segmentId={data.id} version={version} />
        </div>
      </div>
      {confirming ? (
        <ConfirmDialog title="Delete this segment?" confirmLabel="Delete segment" danger busy={busy} onConfirm={remove} onCancel={() => setConfirming(false)}>
          <p>
            “{data.name}” and its membership history are removed. Customers are not changed. A segment that other segments name in their conditions
            cannot be deleted until those are changed.
          </p>
        </ConfirmDialog>
      ) : null}
    </div>
  );
}

/** Pages through a cursor-paged list: the cursors of the pages before are kept so "Previous" works too. */
function useCursorPages<T>(path: string, version: string) {
  const [cursors, setCursors] = useState<string[]>([]);
  const cursor = cursors[cursors.length - 1];
  const resource = useApi<T>(`${path}${query({ limit: PAGE_SIZE, cursor })}`);
  const { reload } = resource;
  const seen = useRef(version);
  useEffect(() => {
    if (seen.current === version) return;
    seen.current = version;
    reload();
  }, [version, reload]);
  return {
    resource,
    page: cursors.length + 1,
    next: (nextCursor: string) => setCursors((previous) => [...previous, nextCursor]),
    previous: () => setCursors((previous) => previous.slice(0, -1)),
  };
}

function Pager({ page, nextCursor, onNext, onPrevious }: { page: number; nextCursor: string | null; onNext: (cursor: string) => void; onPrevious: () => void }) {
  if (page === 1 && nextCursor === null) return null;
  return (
    <div className="pager">
      <button type="button" className="button small" onClick={onPrevious} disabled={page === 1}>
        ← Previous
      </button>
      <span className="muted small">Page {page}</span>
      <button type="button" className="button small" onClick={() => nextCursor && onNext(nextCursor)} disabled={nextCursor === null}>
        Next →
      </button>
    </div>
  );
}

function Members({ segmentId, version }: { segmentId: string; version: string }) {
  const { resource, page, next, previous } = useCursorPages<MembersPage>(`/segments/${encodeURIComponent(segmentId)}/members`, version);
  return (
    <TablePanel
      id="members-title"
      title="Members"
      label="Members"
      what="members"
      resource={resource}
      empty="Nobody is in this segment right now."
      compact
      headers={['Customer', 'In since']}
      row={(member) => (
        <tr key={member.profileId}>
          <td>
            <Link to={`/customers/${encodeURIComponent(member.profileId)}`}>{member.displayName ?? member.profileId}</Link>
          </td>
          <td>{formatDateTime(member.enteredAt)}</td>
        </tr>
      )}
      footer={<Pager page={page} nextCursor={resource.data?.nextCursor ?? null} onNext={next} onPrevious={previous} />}
    />
  );
}

function History({ segmentId, version }: { segmentId: string; version: string }) {
  const { resource, page, next, previous } = useCursorPages<HistoryPage>(`/segments/${encodeURIComponent(segmentId)}/history`, version);
  return (
    <TablePanel
      id="history-title"
      title="Recent changes"
      label="Recent changes"
      what="history"
      resource={resource}
      empty="Nobody has entered or left yet."
      compact
      headers={['Change', 'Customer', 'When', 'Why']}
      row={(change) => (
        <tr key={change.id}>
          <td>{change.change === 'entered' ? <span className="badge good">entered</span> : <span className="badge warn">left</span>}</td>
          <td>
            <Link to={`/customers/${encodeURIComponent(change.profileId)}`}>
              <code>{change.profileId}</code>
            </Link>
          </td>
          <td className="nowrap" title={formatDateTime(change.at)}>{formatRelative(change.at)}</td>
          <td className="muted">{describeCause(change.cause)}</td>
        </tr>
      )}
      footer={<Pager page={page} nextCursor={resource.data?.nextCursor ?? null} onNext={next} onPrevious={previous} />}
    />
  );
}

/** Why a customer entered or left, in words. */
function describeCause(cause: MembershipChange['cause']): string {
  switch (cause.kind) {
    case 'event':
      return `an event (${cause.messageId})`;
    case 'merge':
      return 'two profiles were merged';
    case 'unmerge':
      return 'a merge was undone';
    case 'time':
      return 'time passed';
    case 'computation':
      return 'computed in the background';
    case 'definition':
      return 'the definition was edited';
  }
}
