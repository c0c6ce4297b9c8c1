import { Fragment } from 'react';
import { brief, formatDate, formatDateTime, formatNumber, label } from '../format.ts';
import { Link } from '../router.tsx';
import { useApi } from '../use-api.ts';
import type { ComputedTrait, ProfileComputedTraits, ProfileSegments } from './segment-types.ts';

/** The customer card's block of the segments a customer is in and their computed trait values. */
export function CustomerSegments({ profileId }: { profileId: string }) {
  const id = encodeURIComponent(profileId);
  const segments = useApi<ProfileSegments>(`/profiles/${id}/segments`);
  const computed = useApi<ProfileComputedTraits>(`/profiles/${id}/computed-traits`);
  const definitions = useApi<{ items: ComputedTrait[] }>('/computed-traits');
  const names = new Map((definitions.data?.items ?? []).map((trait) => [trait.key, trait.name]));
  const traits = Object.entries(computed.data?.traits ?? {}).sort(([a], [b]) => a.localeCompare(b));
  const unavailable = segments.error?.code === 'CENTRIC_ERR_SEGMENTS_UNAVAILABLE';

  return (
    <section className="panel" aria-labelledby="customer-segments-title">
      <h2 id="customer-segments-title">
        Segments {segments.data ? <span className="count">{segments.data.items.length}</span> : null}
      </h2>
      {unavailable ? <p className="muted">This server runs without segments.</p> : null}
      {segments.error && !unavailable ? <p className="muted">Could not be read: {segments.error.message}</p> : null}
      {segments.data && segments.data.items.length === 0 ? <p className="muted">In no segment right now.</p> : null}
      {segments.data && segments.data.items.length > 0 ? (
        <ul className="segment-chips">
          {segments.data.items.map((item) => (
            <li key={item.segmentId}>
              <Link to={`/segments/${encodeURIComponent(item.segmentId)}`} className="chip" title={`in since ${formatDateTime(item.enteredAt)}`}>
                {item.name}
              </Link>{' '}
              <span className="muted small">since {formatDate(item.enteredAt)}</span>
            </li>
          ))}
        </ul>
      ) : null}
      {unavailable ? null : (
        <>
          <h3>Computed traits</h3>
          {computed.error ? <p className="muted">Could not be read: {computed.error.message}</p> : null}
          {computed.data && traits.length === 0 ? <p className="muted">None computed yet.</p> : null}
          {traits.length > 0 ? (
            <dl className="facts">
              {traits.map(([key, trait]) => (
                <Fragment key={key}>
                  <dt title={key}>{names.get(key) ?? label(key)}</dt>
                  <dd title={`as of ${formatDateTime(trait.at)}`}>{showValue(trait.value)}</dd>
                </Fragment>
              ))}
            </dl>
          ) : null}
        </>
      )}
    </section>
  );
}

function showValue(value: unknown) {
  if (value === null || value === undefined) return <span className="muted">none yet</span>;
  return typeof value === 'number' ? formatNumber(value) : brief(value, 60);
}
