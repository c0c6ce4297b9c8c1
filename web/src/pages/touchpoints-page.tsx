import { EmptyState } from '../components/feedback.tsx';

/** Touchpoints: usage over time and its change, once this server offers journey analytics. */
export default function TouchpointsPage() {
  return (
    <div className="page">
      <h1>Touchpoints</h1>
      <EmptyState title="Touchpoint analytics is not available on this server">
        This page draws each touchpoint's usage from <code>/api/v1/analytics</code>, which this server does not offer.
      </EmptyState>
    </div>
  );
}
