import type { Source } from './customer-types.ts';

/** A ready-to-paste way of sending events from one SDK to this server with one source's write key. */
export interface Snippet {
  id: string;
  label: string;
  /** Where the code runs; browser SDKs need this server to accept calls from other sites. */
  runs: 'server' | 'browser' | 'shell';
  install: string | null;
  code: string;
}

/** Snippets for the Segment and RudderStack SDKs (Node and browser) and curl, pointing at `origin`. */
export function snippetsFor(source: Source, origin: string): Snippet[] {
  const key = source.writeKey;
  const host = new URL(origin);
  const sample = exampleEvent(source);
  const example = { event: sample.event, properties: jsObject(sample.properties) };
  return [
    {
      id: 'segment-node',
      label: 'Segment Node.js',
      runs: 'server',
      install: 'npm install @segment/analytics-node',
      code: `import { Analytics } from '@segment/analytics-node';

const analytics = new Analytics({
  writeKey: '${key}',
  host: '${origin}',
});

analytics.identify({
  userId: 'c-1042',
  traits: { email: 'ada@example.com', name: 'Ada Lovelace' },
});
analytics.track({
  userId: 'c-1042',
  event: '${example.event}',
  properties: ${example.properties},
});

// before the process exits:
await analytics.closeAndFlush();`,
    },
    {
      id: 'rudderstack-node',
      label: 'RudderStack Node.js',
      runs: 'server',
      install: 'npm install @rudderstack/rudder-sdk-node',
      code: `import Analytics from '@rudderstack/rudder-sdk-node';

const client = new Analytics('${key}', {
  dataPlaneUrl: '${origin}',
});

client.identify({
  userId: 'c-1042',
  traits: { email: 'ada@example.com', name: 'Ada Lovelace' },
});
client.track({
  userId: 'c-1042',
  event: '${example.event}',
  properties: ${example.properties},
});

// before the process exits:
await client.flush();`,
    },
    {
      id: 'segment-browser',
      label: 'Segment browser',
      runs: 'browser',
      install: 'npm install @segment/analytics-next',
      code: `import { AnalyticsBrowser } from '@segment/analytics-next';

// The settings are given here, so the SDK asks nothing of Segment's servers.
export const analytics = AnalyticsBrowser.load({
  writeKey: '${key}',
  cdnSettings: {
    integrations: {
      'Segment.io': {
        apiKey: '${key}',
        apiHost: '${host.host}/v1',
        protocol: '${host.protocol.replace(':', '')}',
      },
    },
  },
});

analytics.page();
analytics.track('${example.event}', ${example.properties});`,
    },
    {
      id: 'rudderstack-browser',
      label: 'RudderStack browser',
      runs: 'browser',
      install: 'npm install @rudderstack/analytics-js',
      code: `import { RudderAnalytics } from '@rudderstack/analytics-js';

export const analytics = new RudderAnalytics();
analytics.load('${key}', '${origin}', {
  // The source's settings are given here, so the SDK asks no control plane for them.
  getSourceConfig: () => ({
    source: {
      id: '${source.id}',
      name: ${jsString(source.name)},
      workspaceId: 'default',
      enabled: true,
      config: {},
      destinations: [],
    },
  }),
});

analytics.page();
analytics.track('${example.event}', ${example.properties});`,
    },
    {
      id: 'curl',
      label: 'curl',
      runs: 'shell',
      install: null,
      code: `curl ${origin}/v1/track -u '${key}:' \\
  -H 'content-type: application/json' \\
  -d '{"userId": "c-1042", "event": "${example.event}",
       "properties": ${JSON.stringify(sample.properties)}}'`,
    },
  ];
}

/** An event that fits the source's channel, so the snippet reads like the source's own use. */
function exampleEvent(source: Source): { event: string; properties: Record<string, string | number> } {
  switch (source.channel) {
    case 'phone':
      return { event: 'Call Ended', properties: { reason: 'delivery question', durationSeconds: 240 } };
    case 'store':
      return { event: 'Order Completed', properties: { orderId: 'R-2001', revenue: 59.9, currency: 'EUR' } };
    case 'email':
      return { event: 'Email Opened', properties: { campaign: 'spring-sale' } };
    default:
      return { event: 'Order Completed', properties: { orderId: 'W-1001', revenue: 89.9, currency: 'EUR' } };
  }
}

/** `{ orderId: 'W-1001', revenue: 89.9 }`: an object as JavaScript code is written. */
function jsObject(value: Record<string, string | number>): string {
  const entries = Object.entries(value).map(([key, item]) => `${key}: ${typeof item === 'string' ? jsString(item) : item}`);
  return `{ ${entries.join(', ')} }`;
}

/** A JavaScript string literal in single quotes. */
function jsString(value: string): string {
  return `'${value.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`;
}
