import type { Command } from 'commander';
import { loadConfig } from '../../apps/config.ts';
import { closeOnSignals, startEmbeddedServer } from '../../apps/embedded.ts';
import { consoleStartLine } from '../../http/routes/console/console-routes.ts';

export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description('serve the tracking and management APIs on the embedded stores')
    .option('--data-dir <dir>', 'where the data lives (default ./.centric, or CENTRIC_DATA_DIR)')
    .option('--port <port>', 'port to listen on (default 4000, or CENTRIC_PORT)')
    .option('--host <host>', 'address to listen on (default 0.0.0.0)')
    .option('--max-event-bytes <n>', 'largest event accepted (default 32768)')
    .option('--max-batch-bytes <n>', 'largest batch request accepted (default 512000)')
    .option('--dedup-window-hours <n>', 'how long a messageId is remembered (default 168)')
    .option('--max-backlog-events <n>', 'accepted events waiting to be processed before senders get 503 (default 2000000)')
    .option('--ingest-processor <where>', 'thread (default): store accepted events on a thread of their own; inline: on the API thread')
    .option('--synchronous <mode>', 'FULL (default) waits for the disk on each commit; NORMAL survives crashes but not power loss')
    .action(async (options) => {
      const config = loadConfig(options);
      const server = await startEmbeddedServer(config);
      console.log(`Centric is serving on ${server.url} (data in ${config.dataDir})`);
      console.log(consoleStartLine(server.url));
      if (server.generatedAdminToken) {
        console.log(`Admin token (kept in ${config.dataDir}/admin-token; set CENTRIC_ADMIN_TOKEN to choose your own): ${server.adminToken}`);
      }
      closeOnSignals(server);
    });
}
