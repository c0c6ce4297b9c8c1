import { useState } from 'react';
import { api, query } from '../api.ts';
import { ErrorBox } from '../components/feedback.tsx';
import { navigate, useLocation } from '../router.tsx';
import { toApiError } from '../use-api.ts';
import type { ApiError } from '../api.ts';
import { CustomerSearchBox, SearchResults } from './customer-search.tsx';
import type { ProfileHit } from './customer-types.ts';

/** Customers: the search box and its hits; Enter opens the first customer found. */
export function CustomersPage() {
  const { query: params } = useLocation();
  const text = params.get('q') ?? '';
  const [error, setError] = useState<ApiError | null>(null);

  const show = (value: string) => navigate(`/customers${query({ q: value.trim() })}`, true);
  const open = async (value: string) => {
    const trimmed = value.trim();
    show(trimmed);
    if (trimmed.length < 2) return;
    try {
      setError(null);
      const { items } = await api<{ items: ProfileHit[] }>('GET', `/profiles${query({ q: trimmed, limit: 1 })}`);
      if (items[0]) navigate(`/customers/${encodeURIComponent(items[0].id)}`);
    } catch (caught) {
      setError(toApiError(caught));
    }
  };

  return (
    <div className="page narrow">
      <h1>Customers</h1>
      <CustomerSearchBox initial={text} onChange={show} onSubmit={open} autoFocus />
      {error ? <ErrorBox error={error} title="The search failed." /> : null}
      <SearchResults text={text} />
    </div>
  );
}
