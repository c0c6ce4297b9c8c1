import type { Command } from 'commander';
import { loadConfig, wholeNumber } from '../../apps/config.ts';
import { closeOnSignals, openEmbedded, startEmbeddedServer } from '../../apps/embedded.ts';
import { createDemoCompany, DEMO_DEFAULTS } from '../../demo/demo-company.ts';
import { checkIdentities } from '../../demo/demo-identity-check.ts';
import { ensureDemoSegments } from '../../demo/demo-segments.ts';
import { SegmentEngine } from '../../segments/segment-engine.ts';
import { SegmentService } from '../../segments/segment-service.ts';
import { demoMarker, ensureDemoSources, loadDemoEvents, markerMatches, readDemoMarker, writeDemoMarker } from '../../demo/demo-loader.ts';
import { createDemoProgressDisplay } from '../../demo/demo-progress.ts';
import { formatCount, formatDuration } from '../progress-display.ts';
import { formatIdentityCheck, formatLoadSummary, lookupExamples, showcaseCustomer } from '../../demo/demo-report.ts';
import { consoleStartLine } from '../../http/routes/console/console-routes.ts';

interface DemoOptions {
  dataDir?: string;
  port?: string;
  host?: string;
  customers?: string;
  days?: string;
  seed?: string;
  reload?: boolean;
  check: boolean;
  serve: boolean;
}

/** The demo keeps its data apart from real data unless told otherwise. */
const DEMO_DATA_DIR = '.centric-demo';

export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description('load a generated demo company (web shop, app, stores, hotline, billing, complaints) and serve it')
    .option('--data-dir <dir>', `where the demo data lives (default ./${DEMO_DATA_DIR}, apart from real data)`)
    .option('--port <port>', 'port to listen on (default 4000, or CENTRIC_PORT)')
    .option('--host <host>', 'address to listen on (default 0.0.0.0)')
    .option('--customers <n>', `customers to generate (default ${DEMO_DEFAULTS.customers}; about 50 events each)`)
    .option('--days <n>', `days of history (default ${DEMO_DEFAULTS.days}, ending ${endOf(DEMO_DEFAULTS.start, DEMO_DEFAULTS.days)})`)
    .option('--seed <n>', `seed of the generator (default ${DEMO_DEFAULTS.seed}); the same seed gives the same company`)
    .option('--reload', 'send the events again although this demo is loaded (nothing is stored twice)')
    .option('--no-check', 'skip checking the profiles against the generator\'s ground truth')
    .option('--no-serve', 'exit after loading')
    .action(async (options: DemoOptions) => {
      const company = createDemoCompany({
        customers: wholeNumber('--customers', options.customers),
        days: wholeNumber('--days', options.days),
        seed: wholeNumber('--seed', options.seed, true),
      });
      const config = loadConfig({ dataDir: options.dataDir ?? DEMO_DATA_DIR, port: options.port, host: options.host });
      const centric = await openEmbedded(config);
      try {
        const { byKey, created } = await ensureDemoSources(centric.sources, config.workspaceId, company);
        if (created.length > 0) console.log(`Created ${created.length} sources: ${created.join(', ')}`);
        const rules = centric.profiles.rules();
        if (rules.defaultCountry !== 'DE') {
          await centric.profiles.setRules({ ...rules, defaultCountry: 'DE' });
          console.log('Identity rules: national phone numbers such as "030 1234567" are read as German (defaultCountry DE)');
        }

        const { customers, days, seed, start } = company.options;
        const marker = readDemoMarker(config.dataDir);
        const stored = await centric.store.countEvents(config.workspaceId);
        const loaded = marker !== null && markerMatches(marker, company) && stored >= marker.events;
        if (marker && !markerMatches(marker, company)) {
          console.log(`Note: ${config.dataDir} holds a demo made with other options or an older generator (seed ${marker.seed}, ${marker.customers} customers); the two will mix`);
        }
        if (loaded && !options.reload) {
          console.log(`The demo (${formatCount(customers)} customers, seed ${seed}) is loaded already: ${formatCount(stored)} events since ${marker!.loadedAt}. --reload sends them again.`);
          if (options.check && marker!.identityCheck) console.log(marker!.identityCheck);
        } else {
          const planned = performance.now();
          const total = company.countEvents();
          console.log(
            `Generating Lindenhaus, a retailer with ${formatCount(customers)} customers over ${days} days from ${start} (seed ${seed}): ` +
              `${formatCount(total)} events, planned in ${formatDuration(performance.now() - planned)}`,
          );
          const display = createDemoProgressDisplay(process.stderr, 'loading');
          // The first Ctrl-C stops after the events already handed over; a second one ends the process.
          const abort = new AbortController();
          const onInterrupt = () => abort.abort();
          process.once('SIGINT', onInterrupt);
          const result = await loadDemoEvents({
            company, ingest: centric.ingest, sources: byKey, total, signal: abort.signal, onProgress: (progress) => display.update(progress),
          });
          process.off('SIGINT', onInterrupt);
          display.stop();
          console.log(formatLoadSummary(result));
          if (result.interrupted) {
            process.exitCode = 130;
            return;
          }
          let identityCheck: string | undefined;
          if (options.check) {
            const checking = performance.now();
            const check = await checkIdentities({
              company,
              rules: centric.store.identityRules(),
              ownerOf: (identifier) => centric.store.findProfileByIdentifier(config.workspaceId, identifier),
              mergesOf: async (profileId) => (await centric.profiles.get(profileId)).profile.merges.length,
            });
            identityCheck = formatIdentityCheck(company, check);
            console.log(`${identityCheck}\n  (checked in ${formatDuration(performance.now() - checking)})`);
          }
          writeDemoMarker(config.dataDir, demoMarker(company, total, identityCheck));
        }
        // The server's engine computes them in the background; their progress shows in the console and the API.
        const segments = await ensureDemoSegments(new SegmentService(centric.store, config.workspaceId, new SegmentEngine(centric.store, { workspaceIds: [config.workspaceId] })));
        if (segments.length > 0) console.log(`Created ${segments.length} example segments: ${segments.join('; ')}`);
      } finally {
        await centric.close();
      }
      if (!options.serve) return;

      const server = await startEmbeddedServer(config);
      console.log(`\nCentric is serving the demo on ${server.url} (data in ${config.dataDir})`);
      console.log(
        server.generatedAdminToken
          ? `Admin token (kept in ${config.dataDir}/admin-token; set CENTRIC_ADMIN_TOKEN to choose your own): ${server.adminToken}`
          : 'Admin token: the one in CENTRIC_ADMIN_TOKEN',
      );
      console.log(`\nTry:\n${lookupExamples(company, server.url, server.generatedAdminToken ? server.adminToken : '$CENTRIC_ADMIN_TOKEN')}`);
      const showcase = showcaseCustomer(company);
      console.log(`\n${consoleStartLine(server.url)}${showcase ? `; search for ${showcase.phoneNational} to see ${showcase.name}'s whole story` : ''}`);
      closeOnSignals(server);
    });
}

function endOf(start: string, days: number): string {
  const end = new Date(`${start}T12:00:00Z`);
  end.setUTCDate(end.getUTCDate() + days);
  return end.toISOString().slice(0, 10);
}
