import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { busLayout } from '../../src/bus/jetstream/jetstream-connection.ts';
import { membershipLayout } from '../../src/bus/jetstream/jetstream-membership-publisher.ts';
import { NATS_URL } from '../../src/bus/jetstream/test-nats.ts';

export { NATS_URL };

/** Deletes every JetStream stream a run's nodes create: the accepted stream, its dead letters and the membership streams. */
export async function deleteStreams(stream: string): Promise<void> {
  const bus = busLayout({ url: NATS_URL, stream });
  const membership = membershipLayout({ url: NATS_URL, stream });
  const nc = await connect({ servers: NATS_URL });
  try {
    const jsm = await jetstreamManager(nc);
    for (const name of [bus.stream, bus.deadStream, membership.stream, membership.relayedStream]) await jsm.streams.delete(name).catch(() => undefined);
  } finally {
    await nc.close();
  }
}
