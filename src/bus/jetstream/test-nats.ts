import { connect as connectTcp } from 'node:net';

/** The NATS server JetStream tests use: CENTRIC_NATS_URL, else the local one. */
export const NATS_URL = process.env.CENTRIC_NATS_URL ?? 'nats://127.0.0.1:4222';
/** Its first address, for tests that open a raw TCP connection to it. */
export const natsAddress = new URL(NATS_URL.split(',')[0]!.trim());

/** Whether something answers at the NATS address. */
function reachable(): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connectTcp(Number(natsAddress.port || 4222), natsAddress.hostname);
    socket.setTimeout(1000, () => socket.destroy());
    socket.on('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.on('close', () => resolve(false));
    socket.on('error', () => {});
  });
}

/**
 * Whether JetStream suites must be skipped, and the reason to put in their names. With CENTRIC_NATS_URL
 * set, NATS must be there and the tests fail without it; otherwise they are skipped, saying why, when
 * nothing answers at the default address.
 */
export async function natsAvailability(): Promise<{ missing: boolean; skipReason: string }> {
  const missing = process.env.CENTRIC_NATS_URL === undefined && !(await reachable());
  return { missing, skipReason: missing ? ` (skipped: nothing answers at ${NATS_URL} and CENTRIC_NATS_URL is unset)` : '' };
}
