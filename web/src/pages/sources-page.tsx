import { useState, type FormEvent } from 'react';
import type { Static } from 'typebox';
import type { FailedEventResponse } from '../../../src/http/schemas.ts';
import { api, query } from '../api.ts';
import type { ApiError } from '../api.ts';
import { ConfirmDialog, CopyButton, EmptyState, ErrorBox, Loading } from '../components/feedback.tsx';
import { ChannelIcon } from '../components/icons.tsx';
import { brief, formatDateTime, formatRelative, label } from '../format.ts';
import { Link, navigate } from '../router.tsx';
import { toApiError, useAction, useApi } from '../use-api.ts';
import type { Source } from './customer-types.ts';
import { snippetsFor } from './source-snippets.ts';

const CHANNELS = ['web', 'app', 'email', 'sms', 'whatsapp', 'messenger', 'social', 'phone', 'store', 'chat', 'letter', 'server'];
const DEPARTMENTS = ['marketing', 'sales', 'service', 'billing', 'complaints'];

/** A refused event as the failed-events API answers it: the server's schema, type-only. */
type FailedEvent = Static<typeof FailedEventResponse>;

/** Sources: every sender with its write key, touchpoint defaults and SDK snippets, and what was refused. */
export function SourcesPage({ selectedId }: { selectedId: string | null }) {
  const sources = useApi<{ items: Source[] }>('/sources');
  const [creating, setCreating] = useState(false);
  const [justCreated, setJustCreated] = useState<string | null>(null);
  const items = sources.data?.items ?? [];
  const selected = items.find((source) => source.id === selectedId) ?? null;
  const names = new Map(items.map((source) => [source.id, source.name]));

  return (
    <div className="page">
      <div className="page-head">
        <h1>Sources</h1>
        <button type="button" className="button primary" onClick={() => setCreating(true)}>
          New source
        </button>
      </div>
      <p className="lead">
        A source is one sender of events (the web shop, the app, the hotline's phone system, the store tills), with its own write key and the
        channel, touchpoint and department its events count for.
      </p>
      {creating ? (
        <NewSourceForm
          onCancel={() => setCreating(false)}
          onCreated={(source) => {
            setCreating(false);
            setJustCreated(source.id);
            sources.reload();
            navigate(`/sources/${encodeURIComponent(source.id)}`);
          }}
        />
      ) : null}
      {sources.error ? <ErrorBox error={sources.error} title="The sources could not be loaded." onRetry={sources.reload} /> : null}
      {!sources.data && !sources.error ? <Loading what="sources" /> : null}
      {sources.data && items.length === 0 && !creating ? (
        <EmptyState title="No sources yet" action={<button type="button" className="button primary" onClick={() => setCreating(true)}>Create the first source</button>}>
          Create a source for each system that sends events. You get a write key and a snippet to paste into that system.
        </EmptyState>
      ) : null}
      {items.length > 0 ? (
        <div className="sources-layout">
          <ul className="source-list" aria-label="Sources">
            {items.map((source) => (
              <li key={source.id}>
                <Link to={`/sources/${encodeURIComponent(source.id)}`} className="source-item" aria-current={source.id === selectedId ? 'page' : undefined}>
                  <ChannelIcon channel={source.channel ?? 'other'} />
                  <span className="source-name">{source.name}</span>
                  <span className="muted">{[source.touchpoint, source.department ? label(source.department) : undefined].filter(Boolean).join(' · ')}</span>
                  {!source.enabled ? <span className="badge warn">disabled</span> : null}
                </Link>
              </li>
            ))}
          </ul>
          <div className="source-detail">
            {selected ? (
              <SourceDetail source={selected} justCreated={justCreated === selected.id} onChanged={sources.reload} key={selected.id} />
            ) : selectedId ? (
              <EmptyState title="This source does not exist">Pick a source from the list.</EmptyState>
            ) : (
              <EmptyState title="Pick a source">Choose a source on the left to see its write key and a snippet for your SDK, or create a new one.</EmptyState>
            )}
          </div>
        </div>
      ) : null}
      <FailedEvents sourceId={selected?.id ?? null} names={names} />
    </div>
  );
}

function NewSourceForm({ onCancel, onCreated }: { onCancel: () => void; onCreated: (source: Source) => void }) {
  const [form, setForm] = useState({ name: '', channel: '', touchpoint: '', department: '' });
  const { busy, error, run } = useAction();
  const set = (key: keyof typeof form) => (event: { target: { value: string } }) => setForm((previous) => ({ ...previous, [key]: event.target.value }));

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const body: Record<string, string> = { name: form.name.trim() };
    for (const key of ['channel', 'touchpoint', 'department'] as const) if (form[key].trim() !== '') body[key] = form[key].trim();
    await run(async () => onCreated(await api<Source>('POST', '/sources', body)));
  };

  return (
    <form className="panel form" onSubmit={submit} aria-label="New source">
      <h2>New source</h2>
      <div className="form-grid">
        <label>
          Name <span className="muted">(required)</span>
          <input required autoFocus value={form.name} onChange={set('name')} placeholder="e.g. Hotline" maxLength={120} />
        </label>
        <label>
          Channel
          <input list="channel-codes" value={form.channel} onChange={set('channel')} placeholder="e.g. phone" />
        </label>
        <label>
          Touchpoint
          <input value={form.touchpoint} onChange={set('touchpoint')} placeholder="e.g. hotline" maxLength={120} />
        </label>
        <label>
          Department
          <input list="department-codes" value={form.department} onChange={set('department')} placeholder="e.g. service" />
        </label>
      </div>
      <datalist id="channel-codes">{CHANNELS.map((code) => <option key={code} value={code} />)}</datalist>
      <datalist id="department-codes">{DEPARTMENTS.map((code) => <option key={code} value={code} />)}</datalist>
      <p className="hint">Channel, touchpoint and department are defaults: an event can name its own in <code>context.touchpoint</code>.</p>
      {error ? <ErrorBox error={error} title="The source was not created." /> : null}
      <div className="form-actions">
        <button type="button" className="button" onClick={onCancel}>
          Cancel
        </button>
        <button type="submit" className="button primary" disabled={busy}>
          {busy ? 'Creating…' : 'Create source'}
        </button>
      </div>
    </form>
  );
}

function SourceDetail({ source, justCreated, onChanged }: { source: Source; justCreated: boolean; onChanged: () => void }) {
  const [current, setCurrent] = useState(source);
  const [reveal, setReveal] = useState(justCreated);
  const [confirm, setConfirm] = useState<'rotate' | 'disable' | null>(null);
  const { busy, error, run } = useAction();
  const [notice, setNotice] = useState<string | null>(justCreated ? 'Source created. Copy its write key or a snippet below to start sending events.' : null);
  const snippets = snippetsFor(current, window.location.origin);
  const [tab, setTab] = useState(snippets[0]!.id);
  const snippet = snippets.find((item) => item.id === tab) ?? snippets[0]!;

  const act = async (action: 'rotate-key' | 'disable' | 'enable') => {
    await run(async () => {
      const updated = await api<Source>('POST', `/sources/${encodeURIComponent(current.id)}/${action}`);
      setCurrent(updated);
      setNotice(
        action === 'rotate-key'
          ? 'New write key issued. The old one no longer works: update every sender with the key below.'
          : action === 'disable'
            ? 'Source disabled: its calls are refused (401) until it is enabled again.'
            : 'Source enabled: its calls are accepted again.',
      );
      if (action === 'rotate-key') setReveal(true);
      onChanged();
    });
    setConfirm(null);
  };

  const masked = `${current.writeKey.slice(0, 4)}${'•'.repeat(20)}`;
  return (
    <section className="panel" aria-labelledby="source-title">
      <div className="panel-head">
        <h2 id="source-title">
          <ChannelIcon channel={current.channel ?? 'other'} /> {current.name}
        </h2>
        <div className="key-row">
          {current.enabled ? <span className="badge good">accepting events</span> : <span className="badge warn">disabled</span>}
          {current.enabled ? (
            <button type="button" className="button small" onClick={() => setConfirm('disable')} disabled={busy}>
              Disable…
            </button>
          ) : (
            <button type="button" className="button small" onClick={() => act('enable')} disabled={busy}>
              Enable
            </button>
          )}
        </div>
      </div>
      {notice ? <div className="notice success" role="status">{notice}</div> : null}
      {error ? <ErrorBox error={error} /> : null}
      <dl className="facts">
        <dt>Defaults</dt>
        <dd>
          channel <b>{current.channel ?? 'guessed per event'}</b>, touchpoint <b>{current.touchpoint ?? current.name}</b>, department{' '}
          <b>{current.department ?? 'unassigned'}</b>
        </dd>
        <dt>Created</dt>
        <dd>{formatDateTime(current.createdAt)}</dd>
        <dt>Write key</dt>
        <dd>
          <div className="key-row">
            <code className="write-key" data-testid="write-key">{reveal ? current.writeKey : masked}</code>
            <button type="button" className="button small" onClick={() => setReveal((value) => !value)}>
              {reveal ? 'Hide' : 'Show'}
            </button>
            <CopyButton text={current.writeKey} />
            <button type="button" className="button small danger-outline" onClick={() => setConfirm('rotate')} disabled={busy}>
              Rotate key…
            </button>
          </div>
        </dd>
      </dl>
      <h3>Send events</h3>
      <div className="tabs" role="tablist" aria-label="SDK">
        {snippets.map((item) => (
          <button key={item.id} type="button" role="tab" aria-selected={item.id === snippet.id} className="tab" onClick={() => setTab(item.id)}>
            {item.label}
          </button>
        ))}
      </div>
      <div className="snippet" role="tabpanel" aria-label={snippet.label}>
        {snippet.install ? (
          <div className="snippet-install">
            <code>{snippet.install}</code>
            <CopyButton text={snippet.install} />
          </div>
        ) : null}
        {snippet.runs === 'browser' ? (
          <p className="hint warn-text">
            Browser SDKs send from your website's own address. This server does not yet answer such cross-site calls (CORS), and the Segment
            browser SDK also uses short paths (<code>/v1/t</code>, <code>/v1/p</code>) it does not serve yet: until then, send from your
            server with a Node.js SDK.
          </p>
        ) : null}
        <div className="code-block">
          <CopyButton text={snippet.code} label="Copy code" />
          <pre>
            <code>{snippet.code}</code>
          </pre>
        </div>
      </div>
      {confirm === 'rotate' ? (
        <ConfirmDialog title="Rotate the write key?" confirmLabel="Rotate key" danger busy={busy} onConfirm={() => act('rotate-key')} onCancel={() => setConfirm(null)}>
          <p>
            A new key is issued and the current one stops working at once: every sender still using it gets 401 until it has the new key. The
            SDKs keep such events and retry.
          </p>
        </ConfirmDialog>
      ) : null}
      {confirm === 'disable' ? (
        <ConfirmDialog title="Disable this source?" confirmLabel="Disable" danger busy={busy} onConfirm={() => act('disable')} onCancel={() => setConfirm(null)}>
          <p>Its calls are refused (401) until you enable it again. Nothing already stored is removed.</p>
        </ConfirmDialog>
      ) : null}
    </section>
  );
}

function FailedEvents({ sourceId, names }: { sourceId: string | null; names: Map<string, string> }) {
  const failed = useApi<{ items: FailedEvent[]; nextCursor: string | null }>(`/failed-events${query({ sourceId: sourceId ?? undefined, limit: 25 })}`);
  const [replayed, setReplayed] = useState<Record<number, string>>({});
  const [error, setError] = useState<ApiError | null>(null);

  const replay = async (id: number) => {
    setError(null);
    try {
      const result = await api<{ messageId: string; duplicate: boolean }>('POST', `/failed-events/${id}/replay`, {});
      setReplayed((previous) => ({ ...previous, [id]: result.duplicate ? 'already stored' : 'stored now' }));
    } catch (caught) {
      setError(toApiError(caught));
    }
  };

  const scope = sourceId ? `from ${names.get(sourceId) ?? sourceId}` : 'from all sources';
  return (
    <section className="panel" aria-labelledby="failed-title">
      <div className="panel-head">
        <h2 id="failed-title">Recent failed events <span className="muted small">{scope}</span></h2>
        <button type="button" className="button small" onClick={failed.reload}>
          Refresh
        </button>
      </div>
      {failed.error ? <ErrorBox error={failed.error} title="The failed events could not be loaded." onRetry={failed.reload} /> : null}
      {error ? <ErrorBox error={error} title="Replay did not work." /> : null}
      {!failed.data && !failed.error ? <Loading what="failed events" /> : null}
      {failed.data && failed.data.items.length === 0 ? (
        <EmptyState title="No failed events">
          Everything sent {scope} was accepted. Events that are refused (bad JSON, no user id, too large) show up here with the reason, and can be
          replayed once fixed.
        </EmptyState>
      ) : null}
      {failed.data && failed.data.items.length > 0 ? (
        <div className="table-wrap">
          <table className="table">
            <thead>
              <tr>
                <th>When</th>
                <th>Source</th>
                <th>Reason</th>
                <th>Payload</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {failed.data.items.map((item) => (
                <tr key={item.id}>
                  <td title={formatDateTime(item.receivedAt)}>{formatRelative(item.receivedAt)}</td>
                  <td>{names.get(item.sourceId) ?? item.sourceId}</td>
                  <td>
                    {item.message}
                    <div className="muted small">
                      {item.code}
                      {item.field ? ` · field ${item.field}` : ''}
                    </div>
                  </td>
                  <td>
                    <details>
                      <summary>{brief(item.payload, 48)}</summary>
                      <pre className="payload">{JSON.stringify(item.payload, null, 2)}</pre>
                    </details>
                  </td>
                  <td>
                    {replayed[item.id] ? (
                      <span className="badge good">{replayed[item.id]}</span>
                    ) : (
                      <button type="button" className="button small" onClick={() => replay(item.id)} title="Send it through the pipeline again, as it was">
                        Replay
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </section>
  );
}
