import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { DEFAULT_IDENTITY_RULES } from '../src/core/identity-rules.ts';
import { IngestService } from '../src/ingest/ingest-service.ts';
import { SqliteStateStore } from '../src/stores/sqlite/sqlite-state-store.ts';
import { formatNumber, formatRatio, numberFlag, parseFlags, printTable, Resources, type Benchmark } from './bench-kit.ts';
import { generateIdentityGraph, type IdentityGraph } from './generators/identity-graph.ts';

const source = { id: 'src_graph', workspaceId: 'default', name: 'graph' };

/**
 * `npm run bench -- identity`: resolves a skewed identity graph event by event through the ingest
 * pipeline, rebuilds it from the stored events, and computes the same connected components with the
 * recursive SQL CTE that dbt-style identity stitching uses, in DuckDB, on the same links.
 */
export const identityBenchmark: Benchmark = {
  name: 'identity',
  description: 'identity resolution and rebuild vs a recursive SQL CTE in DuckDB (flags: --identifiers N --hubs N --hub-size N --cte-memory 8GB --cte-seconds 600 --quick)',
  async run(args) {
    const flags = parseFlags(args);
    const quick = flags.has('quick');
    const identifiers = numberFlag(flags, 'identifiers', quick ? 100_000 : 1_000_000);
    const hubs = numberFlag(flags, 'hubs', 4);
    const hubSize = numberFlag(flags, 'hub-size', quick ? 2_000 : 8_000);
    const resources = new Resources();
    try {
      const dir = resources.tempDir('centric-identity-bench-');
      const started = performance.now();
      const graph = generateIdentityGraph({ identifiers, hubs, hubSize, seed: 7 });
      console.log(
        `graph: ${formatNumber(graph.identifierCount)} identifiers, ${formatNumber(graph.links.length)} links, ${formatNumber(graph.customers)} customers, ` +
          `${hubs} hubs of ${formatNumber(hubSize)} devices; ${formatNumber(graph.events.length)} events (generated in ${seconds(performance.now() - started)})`,
      );

      const ours = await resolveThroughPipeline(graph, join(dir, 'state.sqlite'));
      const cte = await componentsWithRecursiveCte(graph, dir, { memoryLimit: String(flags.get('cte-memory') ?? '8GB'), timeoutMs: numberFlag(flags, 'cte-seconds', 600) * 1000 });
      const truth = groundTruth(graph);
      const vsCte = (ms: number) => (cte.ok ? formatRatio(cte.ms / ms) : `> ${formatRatio(cte.ms / ms)}`);

      printTable([
        ['method', 'seconds', 'identifiers/s', 'components', 'vs recursive CTE'],
        ['Centric, event by event through the pipeline', seconds(ours.resolveMs), formatNumber(graph.identifierCount / (ours.resolveMs / 1000)), formatNumber(ours.componentCount), vsCte(ours.resolveMs)],
        ['Centric, full rebuild from stored events', seconds(ours.rebuildMs), formatNumber(graph.identifierCount / (ours.rebuildMs / 1000)), formatNumber(ours.rebuiltCount), vsCte(ours.rebuildMs)],
        cte.ok
          ? ['recursive CTE in DuckDB (links loaded)', seconds(cte.ms), formatNumber(graph.identifierCount / (cte.ms / 1000)), formatNumber(cte.componentCount), '1.00x']
          : ['recursive CTE in DuckDB (links loaded)', `failed after ${seconds(cte.ms)}`, '-', '-', cte.reason],
      ]);
      console.log(`DuckDB load of the links, not counted above: ${seconds(cte.loadMs)}`);
      const pipelineTruth = compareComponents(ours.components, truth);
      const rebuildTruth = compareComponents(ours.rebuiltComponents, truth);
      console.log(`components equal to the generated customers: pipeline ${pipelineTruth.same ? 'yes' : `NO (${pipelineTruth.detail})`}, rebuild ${rebuildTruth.same ? 'yes' : `NO (${rebuildTruth.detail})`}`);
      if (cte.ok) {
        const sameAsCte = compareComponents(ours.components, cte.components);
        console.log(`same components as the CTE: ${sameAsCte.same ? 'yes' : `NO (${sameAsCte.detail})`}`);
      }
      console.log('goal: Centric at least 10x faster than the recursive CTE, with the same components');
      console.log('(the rules allow 1,000,000 identifiers per profile here, so the hubs are not refused by the profile size guard)');
    } finally {
      resources.release();
    }
  },
};

async function resolveThroughPipeline(graph: IdentityGraph, path: string) {
  const store = new SqliteStateStore({ path, dedupWindowMs: 7 * 24 * 3_600_000 });
  await store.migrate();
  await store.setIdentityRules('default', { ...DEFAULT_IDENTITY_RULES, maxIdentifiersPerProfile: 1_000_000 });
  const ingest = new IngestService(store, { maxEventBytes: 32 * 1024 });
  const batchSize = 500;
  const inFlight = 8;
  const started = performance.now();
  let next = 0;
  const worker = async () => {
    while (next < graph.events.length) {
      const batch = graph.events.slice(next, next + batchSize);
      next += batchSize;
      const outcome = await ingest.ingest({ source, events: batch, receivedAt: Date.now(), historical: true });
      if (outcome.rejected.length > 0) throw new Error(`rejected: ${JSON.stringify(outcome.rejected[0])}`);
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
  const resolveMs = performance.now() - started;
  const components = readComponents(store);
  const rebuildStarted = performance.now();
  store.rebuildProfiles();
  const rebuildMs = performance.now() - rebuildStarted;
  const rebuiltComponents = readComponents(store);
  await store.close();
  return {
    resolveMs,
    rebuildMs,
    components,
    rebuiltComponents,
    componentCount: new Set(components.values()).size,
    rebuiltCount: new Set(rebuiltComponents.values()).size,
  };
}

/** Each identifier's component, named by the smallest identifier in it. */
function readComponents(store: SqliteStateStore): Map<string, string> {
  const byProfile = new Map<string, string[]>();
  for (const { type, value, profile } of store.listIdentities('default')) {
    const key = `${type}:${value}`;
    const members = byProfile.get(profile);
    if (members) members.push(key);
    else byProfile.set(profile, [key]);
  }
  const components = new Map<string, string>();
  for (const members of byProfile.values()) {
    let smallest = members[0]!;
    for (const member of members) if (member < smallest) smallest = member;
    for (const member of members) components.set(member, smallest);
  }
  return components;
}

/** The components the generator built: each customer's identifiers, named by the smallest. */
function groundTruth(graph: IdentityGraph): Map<string, string> {
  const parent = new Map<string, string>();
  const find = (node: string): string => {
    let root = node;
    while (parent.get(root) !== root) root = parent.get(root)!;
    let current = node;
    while (current !== root) {
      const next = parent.get(current)!;
      parent.set(current, root);
      current = next;
    }
    return root;
  };
  for (const single of graph.singletons) parent.set(single, single);
  for (const [a, b] of graph.links) {
    if (!parent.has(a)) parent.set(a, a);
    if (!parent.has(b)) parent.set(b, b);
    const ra = find(a);
    const rb = find(b);
    if (ra !== rb) parent.set(ra < rb ? rb : ra, ra < rb ? ra : rb);
  }
  const components = new Map<string, string>();
  for (const node of parent.keys()) components.set(node, find(node));
  return components;
}

type CteResult =
  | { ok: true; ms: number; loadMs: number; components: Map<string, string>; componentCount: number }
  | { ok: false; ms: number; loadMs: number; reason: string };

async function componentsWithRecursiveCte(graph: IdentityGraph, dir: string, limits: { memoryLimit: string; timeoutMs: number }): Promise<CteResult> {
  const linksFile = join(dir, 'links.csv');
  const nodesFile = join(dir, 'singletons.csv');
  writeFileSync(linksFile, graph.links.map(([a, b]) => `${a}\t${b}`).join('\n') + '\n');
  writeFileSync(nodesFile, graph.singletons.join('\n') + '\n');
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  await connection.run(`SET memory_limit = '${limits.memoryLimit}'; SET temp_directory = '${join(dir, 'duckdb-temp')}'`);
  const loadStarted = performance.now();
  await connection.run(`CREATE TABLE links AS SELECT * FROM read_csv('${linksFile}', delim='\\t', header=false, columns={'a': 'VARCHAR', 'b': 'VARCHAR'})`);
  await connection.run(`CREATE TABLE singletons AS SELECT * FROM read_csv('${nodesFile}', header=false, columns={'node': 'VARCHAR'})`);
  const loadMs = performance.now() - loadStarted;
  const started = performance.now();
  const timer = setTimeout(() => connection.interrupt(), limits.timeoutMs);
  // Label propagation as identity-stitching packages write it: every identifier collects the labels of
  // all identifiers it can reach; its component is the smallest.
  const failure = await connection.run(`
    CREATE TABLE components AS
    WITH RECURSIVE
      edges(src, dst) AS (SELECT a, b FROM links UNION ALL SELECT b, a FROM links),
      nodes(node) AS (SELECT src FROM edges UNION SELECT node FROM singletons),
      walk(node, label) AS (
        SELECT node, node FROM nodes
        UNION
        SELECT e.dst, w.label FROM walk w JOIN edges e ON e.src = w.node
      )
    SELECT node, min(label) AS component FROM walk GROUP BY node`).catch((error: Error) => error);
  clearTimeout(timer);
  const ms = performance.now() - started;
  if (failure instanceof Error) {
    connection.closeSync();
    instance.closeSync();
    const reason = /interrupt/i.test(failure.message) ? `stopped at the ${limits.timeoutMs / 1000} s limit` : failure.message.split('\n')[0]!.slice(0, 80);
    return { ok: false, ms, loadMs, reason };
  }
  const reader = await connection.runAndReadAll('SELECT node, component FROM components');
  const components = new Map<string, string>();
  for (const [node, component] of reader.getRows() as Array<[string, string]>) components.set(node, component);
  connection.closeSync();
  instance.closeSync();
  return { ok: true, ms, loadMs, components, componentCount: new Set(components.values()).size };
}

function compareComponents(ours: Map<string, string>, theirs: Map<string, string>): { same: boolean; detail: string } {
  if (ours.size !== theirs.size) return { same: false, detail: `${ours.size} identifiers vs ${theirs.size}` };
  let differing = 0;
  for (const [node, component] of theirs) if (ours.get(node) !== component) differing += 1;
  return differing === 0 ? { same: true, detail: '' } : { same: false, detail: `${differing} identifiers in other components` };
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(2)} s`;
}
