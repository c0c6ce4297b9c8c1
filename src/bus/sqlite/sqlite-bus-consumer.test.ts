import { acceptedBusContract } from '../contract/accepted-bus.contract.ts';
import { SqliteAcceptedLog } from './sqlite-accepted-log.ts';
import { SqliteBusConsumer } from './sqlite-bus-consumer.ts';

// The embedded log is its own writer; a consumer wraps it with one partition, `accepted`.
acceptedBusContract('sqlite accepted log', {
  async open() {
    const log = new SqliteAcceptedLog({ path: ':memory:' });
    return {
      writer: log,
      newConsumer: async ({ retryDelayMs }) => new SqliteBusConsumer(log, { retryDelayMs, onError: () => {} }),
      destroy: () => log.close(),
    };
  },
});
