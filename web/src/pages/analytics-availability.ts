import { useEffect, useState } from 'react';

/**
 * Which analytics routes this server offers, read from its OpenAPI document, so the console shows the
 * journeys and touchpoints pages exactly when the API behind them is there.
 */
export function useAnalyticsRoutes(): Set<string> | null {
  const [routes, setRoutes] = useState<Set<string> | null>(null);
  useEffect(() => {
    fetch('/api/v1/openapi.json', { credentials: 'same-origin' })
      .then((response) => (response.ok ? (response.json() as Promise<{ paths?: Record<string, unknown> }>) : { paths: {} }))
      .then(
        (document) => setRoutes(new Set(Object.keys(document.paths ?? {}).filter((path) => path.startsWith('/api/v1/analytics/')))),
        () => setRoutes(new Set()),
      );
  }, []);
  return routes;
}
