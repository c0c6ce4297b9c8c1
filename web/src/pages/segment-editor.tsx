import { Fragment, useCallback, useEffect, useMemo, useRef, useState, type FormEvent } from 'react';
import { api } from '../api.ts';
import type { ApiError } from '../api.ts';
import { ErrorBox } from '../components/feedback.tsx';
import { Icon } from '../components/icons.tsx';
import { formatNumber } from '../format.ts';
import { Link } from '../router.tsx';
import { toApiError, useAction } from '../use-api.ts';
import { definitionText, segmentTemplates, type SegmentTemplate } from './segment-templates.ts';
import type { Segment, SegmentPreview } from './segment-types.ts';

/** How long the editor waits after the last keystroke before asking for a preview. */
const PREVIEW_DELAY_MS = 600;

type Parsed = { ok: true; definition: unknown } | { ok: false; message: string };
/** The last preview the server gave, whether a newer one is on its way, and why the text was refused. */
interface PreviewState {
  result: SegmentPreview | null;
  pending: boolean;
  error: ApiError | null;
}

/**
 * The "New segment" form: a name, the definition as JSON (templates fill it in), and a preview that
 * follows the text: whenever it parses and has rested a moment, the server counts who would be in.
 */
export function NewSegmentForm({ computedKeys, onCancel, onCreated }: { computedKeys: string[]; onCancel: () => void; onCreated: (segment: Segment) => void }) {
  const templates = useMemo(() => segmentTemplates(computedKeys), [computedKeys]);
  const first = templates[0]!;
  const [name, setName] = useState(first.name);
  const [text, setText] = useState(definitionText(first.definition));
  const [template, setTemplate] = useState<SegmentTemplate | null>(first);
  const { busy, error: saveError, setError: setSaveError, run } = useAction();
  const parsed = useMemo(() => parse(text), [text]);
  const preview = usePreview(parsed);
  // A refused definition is shown once, beside the editor, whether the preview or the save found it.
  const saveNamesDefinition = saveError !== null && namesDefinitionField(saveError);
  const definitionError = saveNamesDefinition ? saveError : preview.error;

  const pick = (chosen: SegmentTemplate) => {
    // The name follows the template until the marketer writes one of their own.
    if (name.trim() === '' || templates.some((item) => item.name === name)) setName(chosen.name);
    setText(definitionText(chosen.definition));
    setTemplate(chosen);
    setSaveError(null);
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!parsed.ok) return;
    await run(async () => onCreated(await api<Segment>('POST', '/segments', { name: name.trim(), definition: parsed.definition })));
  };

  return (
    <form className="panel form" onSubmit={submit} aria-label="New segment">
      <h2>New segment</h2>
      <div className="segment-editor">
        <div className="segment-editor-main">
          <label className="field">
            <span>
              Name <span className="muted">(required)</span>
            </span>
            <input required value={name} onChange={(event) => setName(event.target.value)} maxLength={200} placeholder="e.g. Repeat buyers" />
          </label>
          <div className="field">
            <span id="templates-label">Start from</span>
            <div className="template-list" role="group" aria-labelledby="templates-label">
              {templates.map((item) => (
                <button
                  key={item.id}
                  type="button"
                  className="chip"
                  aria-pressed={template?.id === item.id && text === definitionText(item.definition)}
                  title={item.description}
                  onClick={() => pick(item)}
                >
                  {item.name}
                </button>
              ))}
            </div>
            {template && text === definitionText(template.definition) ? <p className="hint">{template.description}</p> : null}
          </div>
          <label className="field">
            <span>
              Definition <span className="muted">(JSON)</span>
            </span>
            <textarea
              className="definition-editor"
              value={text}
              onChange={(event) => {
                setText(event.target.value);
                setSaveError(null);
              }}
              spellCheck={false}
              rows={14}
              aria-describedby="definition-problem"
              aria-invalid={!parsed.ok || definitionError !== null}
            />
          </label>
          <div id="definition-problem" aria-live="polite">
            {!parsed.ok ? <p className="hint warn-text">This is not valid JSON yet: {parsed.message}</p> : null}
            {parsed.ok && definitionError ? <DefinitionProblem error={definitionError} /> : null}
          </div>
          <p className="hint">
            Conditions: <code>performed</code> (an event, with <code>count</code> and <code>window</code>), <code>occurrence</code> (when the first or
            last one happened), <code>trait</code>, <code>computed</code>, <code>segment</code>, combined with <code>and</code>, <code>or</code>,{' '}
            <code>not</code>. The README describes every field.
          </p>
        </div>
        <PreviewPanel preview={preview} parses={parsed.ok} onPreview={preview.now} />
      </div>
      {saveError && !saveNamesDefinition ? <ErrorBox error={saveError} title="The segment was not saved." /> : null}
      <div className="form-actions">
        <button type="button" className="button" onClick={onCancel}>
          Cancel
        </button>
        <button type="submit" className="button primary" disabled={busy || !parsed.ok || name.trim() === ''}>
          {busy ? 'Saving…' : 'Save segment'}
        </button>
      </div>
    </form>
  );
}

/** Asks for a preview of the parsed definition once it has rested for PREVIEW_DELAY_MS; an answer to older text is dropped. */
function usePreview(parsed: Parsed): PreviewState & { now: () => void } {
  const [state, setState] = useState<PreviewState>({ result: null, pending: true, error: null });
  const [asked, setAsked] = useState(0);
  const immediate = useRef(false);
  const latest = useRef(0);
  const key = parsed.ok ? JSON.stringify(parsed.definition) : null;

  useEffect(() => {
    const ticket = ++latest.current;
    if (key === null) {
      setState((previous) => ({ result: previous.result, pending: false, error: null }));
      return;
    }
    // The last answer stays up, dimmed, while the next is counted: the number does not flicker with each keystroke.
    setState((previous) => ({ ...previous, pending: true }));
    const delay = immediate.current ? 0 : PREVIEW_DELAY_MS;
    immediate.current = false;
    const timer = setTimeout(() => {
      api<SegmentPreview>('POST', '/segments/preview', { definition: JSON.parse(key), sample: 8 }).then(
        (result) => ticket === latest.current && setState({ result, pending: false, error: null }),
        (caught: unknown) => ticket === latest.current && setState({ result: null, pending: false, error: toApiError(caught) }),
      );
    }, delay);
    return () => clearTimeout(timer);
  }, [key, asked]);

  const now = useCallback(() => {
    immediate.current = true;
    setAsked((value) => value + 1);
  }, []);
  return { ...state, now };
}

function PreviewPanel({ preview, parses, onPreview }: { preview: PreviewState; parses: boolean; onPreview: () => void }) {
  const result = preview.result;
  const stale = preview.pending || !parses;
  return (
    <aside className="segment-preview" aria-labelledby="preview-title" aria-busy={preview.pending}>
      <div className="preview-head">
        <h3 id="preview-title">
          Preview {preview.pending ? <span className="spinner" aria-hidden="true" /> : null}
        </h3>
        <button type="button" className="button small" onClick={onPreview} disabled={!parses} title="Count again now (it also counts by itself as you type)">
          Preview
        </button>
      </div>
      {!result && preview.pending ? <p className="muted">Counting…</p> : null}
      {!parses ? <p className="muted">The preview follows once the definition is valid JSON.</p> : null}
      {!result && preview.error ? <p className="muted">No preview until the server accepts the definition.</p> : null}
      {result ? (
        <div className={stale ? 'stale' : undefined} role="status" aria-label="Preview result">
          <div className="preview-size">
            <span className="stat-value" data-testid="preview-size">{formatNumber(result.estimated ? result.estimatedSize : result.size)}</span>{' '}
            <span className="muted">{result.estimated ? 'customers, estimated' : `of ${formatNumber(result.profilesTotal)} customers`}</span>
          </div>
          {result.estimated ? (
            <p className="hint">
              {formatNumber(result.size)} of the first {formatNumber(result.profilesEvaluated)} customers looked at qualify; scaled to all{' '}
              {formatNumber(result.profilesTotal)}. The saved segment counts everyone.
            </p>
          ) : null}
          {result.sample.length > 0 ? (
            <>
              <div className="muted small">For example</div>
              <ul className="sample-list">
                {result.sample.map((member) => (
                  <li key={member.profileId}>
                    <Link to={`/customers/${encodeURIComponent(member.profileId)}`}>{member.displayName ?? member.profileId}</Link>
                  </li>
                ))}
              </ul>
            </>
          ) : (
            <p className="muted">Nobody qualifies right now.</p>
          )}
        </div>
      ) : null}
    </aside>
  );
}

const FIELD_MESSAGE = /^(definition[^\s:]*): (.*)$/s;

function namesDefinitionField(error: ApiError): boolean {
  return FIELD_MESSAGE.test(error.message);
}

/** The server's refusal, with the field it names set apart: its messages read "definition.condition.count.op: must be …". */
function DefinitionProblem({ error }: { error: ApiError }) {
  const match = FIELD_MESSAGE.exec(error.message);
  return (
    <div className="error-box" role="alert">
      <Icon name="warning" />
      <div>
        <strong>The server does not accept this definition:</strong>{' '}
        {match ? (
          <>
            <code className="field-name">{breakable(match[1]!)}</code> {match[2]}
          </>
        ) : (
          error.message
        )}
        {error.status > 0 ? <span className="error-code"> ({error.code})</span> : null}
      </div>
    </div>
  );
}

/** A long field path may wrap after its dots, never inside a name. */
function breakable(path: string) {
  return path.split('.').map((part, index) => (
    <Fragment key={index}>
      {index > 0 ? '.' : ''}
      {index > 0 ? <wbr /> : null}
      {part}
    </Fragment>
  ));
}

function parse(text: string): Parsed {
  try {
    return { ok: true, definition: JSON.parse(text) };
  } catch (error) {
    return { ok: false, message: error instanceof Error ? error.message : String(error) };
  }
}
