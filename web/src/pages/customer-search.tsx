import { useEffect, useRef, useState, type FormEvent, type KeyboardEvent } from 'react';
import { query } from '../api.ts';
import { EmptyState, ErrorBox, Loading } from '../components/feedback.tsx';
import { Icon } from '../components/icons.tsx';
import { formatRelative } from '../format.ts';
import { Link } from '../router.tsx';
import { useApi } from '../use-api.ts';
import type { ProfileHit } from './customer-types.ts';

const PLACEHOLDER = 'Name, email, phone number or any ID';

/** The one search box: name, email, a phone number written any way, or any identifier. */
export function CustomerSearchBox(props: {
  initial: string;
  /** Called when the person pauses typing (not in the compact box). */
  onChange?: (text: string) => void;
  /** Called on Enter. */
  onSubmit: (text: string) => void;
  autoFocus?: boolean;
  compact?: boolean;
}) {
  const { initial, onChange, onSubmit, autoFocus, compact } = props;
  const [text, setText] = useState(initial);
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  // Follow the address (back button, links) without undoing a space the person just typed.
  useEffect(() => setText((current) => (current.trim() === initial.trim() ? current : initial)), [initial]);
  useEffect(() => () => clearTimeout(timer.current), []);

  const change = (value: string) => {
    setText(value);
    if (!onChange) return;
    clearTimeout(timer.current);
    // Search as the person types, once they pause: a phone number is typed in bursts.
    timer.current = setTimeout(() => onChange(value), 250);
  };
  const submit = (event: FormEvent) => {
    event.preventDefault();
    clearTimeout(timer.current);
    onSubmit(text);
  };
  return (
    <form role="search" className={compact ? 'search compact' : 'search'} onSubmit={submit}>
      <Icon name="search" size={compact ? 16 : 20} />
      <input
        type="search"
        name="q"
        aria-label="Find a customer"
        placeholder={compact ? 'Find another customer' : PLACEHOLDER}
        autoFocus={autoFocus}
        autoComplete="off"
        spellCheck={false}
        value={text}
        onChange={(event) => change(event.target.value)}
        onKeyDown={(event: KeyboardEvent<HTMLInputElement>) => {
          if (event.key === 'Escape') change('');
        }}
      />
    </form>
  );
}

/** The hits for `text`, each a link to the customer's card. */
export function SearchResults({ text }: { text: string }) {
  const trimmed = text.trim();
  const path = trimmed.length >= 2 ? `/profiles${query({ q: trimmed, limit: 20 })}` : null;
  const { data, error, loading, reload } = useApi<{ items: ProfileHit[] }>(path);
  // A server that has never received an event has no one to find: say how to get customers in.
  const anyEvent = useApi<{ items: unknown[] }>(trimmed.length === 0 ? '/events?limit=1' : null);

  if (trimmed.length === 0 && anyEvent.data?.items.length === 0) {
    return (
      <EmptyState title="No customers yet" action={<Link to="/sources" className="button primary">Set up a source</Link>}>
        Customers appear here as soon as events arrive. Create a source for each system that knows your customers (web shop, app,
        hotline, store tills), paste its snippet into that system, or import a CSV export with <code>npx centric import</code>.
      </EmptyState>
    );
  }
  if (trimmed.length === 0) {
    return (
      <EmptyState title="Who is on the line?">
        <p>Type what you know about the customer into the box above, for example:</p>
        <ul className="examples">
          <li>a name: <code>Krüger</code></li>
          <li>an email, or its start: <code>ursula.k</code></li>
          <li>a phone number as they say it: <code>0157 10326532</code> or <code>+49 157 1032 6532</code></li>
          <li>any ID: a customer number <code>K-1000003</code>, a loyalty card, a user id</li>
        </ul>
        <p>Press Enter to open the first customer found.</p>
      </EmptyState>
    );
  }
  if (trimmed.length < 2) return <p className="hint">Type at least two characters.</p>;
  if (error) return <ErrorBox error={error} title="The search failed." onRetry={reload} />;
  if (!data) return <Loading what="customers" />;
  if (data.items.length === 0) {
    return (
      <EmptyState title={`No customer matches “${trimmed}”`}>
        Names and emails are found from their start (<code>mar</code> finds Marie), phone numbers from four digits on in any format, and
        identifiers (customer numbers, cards, user ids) from their start. Check the spelling, or try another thing you know about them.
      </EmptyState>
    );
  }
  return (
    <div className={loading ? 'results stale' : 'results'}>
      <p className="hint">
        {data.items.length === 20 ? 'The first 20 customers' : `${data.items.length} customer${data.items.length === 1 ? '' : 's'}`} matching “{trimmed}”
      </p>
      <ul className="hit-list">
        {data.items.map((hit) => (
          <li key={hit.id}>
            <Link to={`/customers/${encodeURIComponent(hit.id)}`} className="hit">
              <span className="avatar" aria-hidden="true">{initials(hit.displayName)}</span>
              <span className="hit-main">
                <span className="hit-name">{hit.displayName ?? 'Unnamed customer'}</span>
                <span className="hit-contact">{[hit.email, hit.phone].filter(Boolean).join(' · ') || hit.id}</span>
              </span>
              <span className="hit-side">
                <span className="hit-matched">{hit.matched}</span>
                <span className="hit-seen">last seen {formatRelative(hit.lastSeen)}</span>
              </span>
            </Link>
          </li>
        ))}
      </ul>
    </div>
  );
}

/** Up to two initials of a name, for the round badge beside it. */
export function initials(name: string | null): string {
  if (!name) return '?';
  const words = name.trim().split(/\s+/);
  return ((words[0]?.[0] ?? '') + (words.length > 1 ? (words[words.length - 1]?.[0] ?? '') : '')).toUpperCase() || '?';
}

