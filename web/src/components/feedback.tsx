import { useEffect, useRef, useState, type ReactNode } from 'react';
import type { ApiError } from '../api.ts';
import { Icon } from './icons.tsx';

/** What a page shows when it has nothing yet: what it is for, and what to do next. */
export function EmptyState({ title, children, action }: { title: string; children?: ReactNode; action?: ReactNode }) {
  return (
    <div className="empty-state" role="status">
      <h3>{title}</h3>
      {children ? <div className="empty-text">{children}</div> : null}
      {action ? <div className="empty-action">{action}</div> : null}
    </div>
  );
}

/** An error in words, with the server's code for whoever reads the logs, and a way to try again. */
export function ErrorBox({ error, title, onRetry }: { error: ApiError; title?: string; onRetry?: () => void }) {
  return (
    <div className="error-box" role="alert">
      <Icon name="warning" />
      <div>
        <strong>{title ?? 'That did not work.'}</strong> {sentence(error.message)}
        {error.code && !['NETWORK', 'CONSOLE'].includes(error.code) ? <span className="error-code"> ({error.code})</span> : null}
      </div>
      {onRetry ? (
        <button type="button" className="button small" onClick={onRetry}>
          Try again
        </button>
      ) : null}
    </div>
  );
}

/** A quiet line while data is on its way. */
export function Loading({ what }: { what: string }) {
  return (
    <div className="loading" aria-busy="true">
      <span className="spinner" aria-hidden="true" /> Loading {what}…
    </div>
  );
}

/** A modal question with a clear consequence; the action runs only on the explicit button. */
export function ConfirmDialog(props: {
  title: string;
  children: ReactNode;
  confirmLabel: string;
  danger?: boolean;
  busy?: boolean;
  onConfirm: () => void;
  onCancel: () => void;
}) {
  const cancel = useRef<HTMLButtonElement>(null);
  const onCancel = useRef(props.onCancel);
  onCancel.current = props.onCancel;
  useEffect(() => {
    cancel.current?.focus();
    const onKey = (event: KeyboardEvent) => {
      if (event.key === 'Escape') onCancel.current();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
  return (
    <div className="dialog-backdrop" onClick={props.onCancel}>
      <div className="dialog" role="dialog" aria-modal="true" aria-labelledby="dialog-title" onClick={(event) => event.stopPropagation()}>
        <h2 id="dialog-title">{props.title}</h2>
        <div className="dialog-body">{props.children}</div>
        <div className="dialog-actions">
          <button type="button" className="button" ref={cancel} onClick={props.onCancel} disabled={props.busy}>
            Cancel
          </button>
          <button type="button" className={`button ${props.danger ? 'danger' : 'primary'}`} onClick={props.onConfirm} disabled={props.busy}>
            {props.busy ? 'Working…' : props.confirmLabel}
          </button>
        </div>
      </div>
    </div>
  );
}

/** A button that copies `text` and says so for a moment. */
export function CopyButton({ text, label = 'Copy' }: { text: string; label?: string }) {
  const [copied, setCopied] = useState<'yes' | 'no' | null>(null);
  useEffect(() => {
    if (copied === null) return;
    const timer = setTimeout(() => setCopied(null), 1800);
    return () => clearTimeout(timer);
  }, [copied]);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
      setCopied('yes');
    } catch {
      // Clipboard access needs a secure context (https or localhost); say so instead of failing silently.
      setCopied('no');
    }
  };
  return (
    <button type="button" className="button small" onClick={copy} aria-live="polite">
      <Icon name="copy" size={14} /> {copied === 'yes' ? 'Copied' : copied === 'no' ? 'Select and copy by hand' : label}
    </button>
  );
}

/** Server messages are written lower-case to fit inside other text; standing alone they read as a sentence. */
function sentence(message: string): string {
  const text = message.charAt(0).toUpperCase() + message.slice(1);
  return /[.!?]$/.test(text) ? text : `${text}.`;
}
