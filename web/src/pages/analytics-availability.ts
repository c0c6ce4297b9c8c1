import { useEffect, useState } from 'react';
import { api, ApiError } from '../api.ts';

/**
 * Whether this server answers journey analytics: the journeys and touchpoints pages are shown when
 * it does, and also when it has the routes but no analytics store (the pages then say so in words).
 * Null while asking.
 */
export function useAnalyticsAvailable(signedIn: boolean): boolean | null {
  const [available, setAvailable] = useState<boolean | null>(null);
  useEffect(() => {
    if (!signedIn) return;
    api('GET', '/analytics/status').then(
      () => setAvailable(true),
      (error: unknown) => setAvailable(!(error instanceof ApiError && error.status === 404)),
    );
  }, [signedIn]);
  return available;
}
