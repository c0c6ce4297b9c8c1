import { EmptyState } from '../components/feedback.tsx';

/** Journeys: funnels, paths and channel switching, once this server offers journey analytics. */
export default function JourneysPage() {
  return (
    <div className="page">
      <h1>Journeys</h1>
      <EmptyState title="Journey analytics is not available on this server">
        This page draws funnels, paths and channel switching from <code>/api/v1/analytics</code>, which this server does not offer.
      </EmptyState>
    </div>
  );
}
