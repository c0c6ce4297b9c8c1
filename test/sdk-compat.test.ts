import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Analytics as SegmentAnalytics } from '@segment/analytics-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/apps/config.ts';
import { startEmbeddedServer, type RunningServer } from '../src/apps/embedded.ts';

// The RudderStack SDK ships CommonJS with `export =` types.
const RudderAnalytics = createRequire(import.meta.url)('@rudderstack/rudder-sdk-node') as new (
  writeKey: string,
  options: Record<string, unknown>,
) => { identify: (m: object) => void; track: (m: object) => void; page: (m: object) => void; group: (m: object) => void; alias: (m: object) => void; screen: (m: object) => void; flush: () => Promise<unknown> };

const ADMIN = 'sdk-test-admin';
let dataDir: string;
let server: RunningServer;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'centric-sdk-'));
  server = await startEmbeddedServer(loadConfig({ dataDir, port: 0, host: '127.0.0.1' }, { CENTRIC_ADMIN_TOKEN: ADMIN, CENTRIC_LOG_LEVEL: 'warn' }));
});
afterAll(async () => {
  await server.close();
  rmSync(dataDir, { recursive: true, force: true });
});

async function api(method: string, path: string, body?: unknown) {
  const response = await fetch(`${server.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${ADMIN}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  return (await response.json()) as any;
}

async function eventsOf(sourceId: string) {
  // Acknowledged means durable in the accepted log; wait until the processor has stored it all.
  while ((await api('GET', '/api/v1/ingest/status')).pendingRequests > 0) await new Promise((resolve) => setTimeout(resolve, 20));
  const page = await api('GET', `/api/v1/events?sourceId=${sourceId}&limit=100`);
  return page.items as Array<Record<string, any>>;
}

describe('the official Segment Node SDK, unchanged', () => {
  it('delivers identify, track, page, group and alias calls that are stored with the right fields', async () => {
    const source = await api('POST', '/api/v1/sources', { name: 'segment-node', channel: 'server', department: 'sales' });
    const analytics = new SegmentAnalytics({ writeKey: source.writeKey, host: server.url, flushAt: 20, maxRetries: 1 });
    const failures: unknown[] = [];
    analytics.on('error', (error) => failures.push(error));
    const at = new Date('2026-02-01T10:00:00Z');
    analytics.identify({ userId: 'cust-1', traits: { email: 'ada@example.com', name: 'Ada' }, timestamp: at });
    analytics.track({ userId: 'cust-1', event: 'Order Completed', properties: { revenue: 42.5, currency: 'EUR' }, messageId: 'seg-order-1' });
    analytics.page({ anonymousId: 'anon-9', name: 'Pricing', properties: { url: 'https://shop.example/pricing' } });
    analytics.group({ userId: 'cust-1', groupId: 'acme', traits: { plan: 'pro' } });
    analytics.alias({ userId: 'cust-1', previousId: 'anon-9' });
    await analytics.closeAndFlush();
    expect(failures).toEqual([]);

    const events = await eventsOf(source.id);
    const byType = Object.fromEntries(events.map((event) => [event.type, event]));
    expect(Object.keys(byType).sort()).toEqual(['alias', 'group', 'identify', 'page', 'track']);
    expect(byType.identify).toMatchObject({ userId: 'cust-1', channel: 'server', touchpoint: 'segment-node', department: 'sales', originalTimestamp: at.toISOString() });
    expect(byType.identify!.payload.traits).toEqual({ email: 'ada@example.com', name: 'Ada' });
    // The SDK sends the event's time and sentAt; corrected for the sender's clock (here the same clock),
    // the historical time survives within the few milliseconds between sending and receiving.
    expect(byType.identify!.sentAt).not.toBeNull();
    expect(Math.abs(Date.parse(byType.identify!.timestamp) - at.getTime())).toBeLessThan(5_000);
    expect(byType.track).toMatchObject({ event: 'Order Completed', messageId: 'seg-order-1' });
    expect(byType.track!.payload.properties).toEqual({ revenue: 42.5, currency: 'EUR' });
    expect(byType.track!.payload.context.library.name).toBe('@segment/analytics-node');
    expect(byType.page).toMatchObject({ anonymousId: 'anon-9', event: 'Pricing' });
    expect(byType.group!.payload).toMatchObject({ groupId: 'acme', traits: { plan: 'pro' } });
    expect(byType.alias!.payload).toMatchObject({ userId: 'cust-1', previousId: 'anon-9' });
  });
});

describe('the official RudderStack Node SDK, unchanged', () => {
  it('delivers gzipped, form-urlencoded batches whose calls are stored with the right fields', async () => {
    const source = await api('POST', '/api/v1/sources', { name: 'rudder-node', channel: 'app', department: 'marketing' });
    const errors: unknown[] = [];
    const client = new RudderAnalytics(source.writeKey, { dataPlaneUrl: server.url, flushAt: 50, flushInterval: 60_000, retryCount: 0, errorHandler: (e: unknown) => errors.push(e), logLevel: 'error' });
    client.identify({ userId: 'r-1', traits: { phone: '+49 30 1234567' } });
    client.track({ userId: 'r-1', event: 'Coupon Applied', properties: { code: 'SPRING' } });
    client.page({ anonymousId: 'r-anon', name: 'Home', properties: { path: '/' } });
    client.screen({ userId: 'r-1', name: 'Cart' });
    client.group({ userId: 'r-1', groupId: 'family-7' });
    client.alias({ userId: 'r-1', previousId: 'r-anon' });
    await client.flush();
    expect(errors).toEqual([]);

    const events = await eventsOf(source.id);
    expect(events.map((event) => event.type).sort()).toEqual(['alias', 'group', 'identify', 'page', 'screen', 'track']);
    const track = events.find((event) => event.type === 'track')!;
    expect(track).toMatchObject({ userId: 'r-1', event: 'Coupon Applied', channel: 'app', touchpoint: 'rudder-node', department: 'marketing' });
    expect(track.payload.properties).toEqual({ code: 'SPRING' });
    expect(events.find((event) => event.type === 'screen')).toMatchObject({ event: 'Cart' });
    expect(events.find((event) => event.type === 'identify')!.payload.traits).toEqual({ phone: '+49 30 1234567' });
  });
});
