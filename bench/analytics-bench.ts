import { chmodSync } from 'node:fs';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import Fastify, { type FastifyInstance } from 'fastify';
import { AnalyticsService } from '../src/analytics/analytics-service.ts';
import { installErrorHandler } from '../src/http/plugins/error-handler.ts';
import { analyticsRoutes } from '../src/http/routes/analytics/analytics-routes.ts';
import { DuckDbAnalyticsStore } from '../src/stores/duckdb/duckdb-analytics-store.ts';
import { PostgresAnalyticsStore } from '../src/stores/postgres/analytics-postgres-store.ts';
import { createTestDatabase, type TestDatabase } from '../src/stores/postgres/test-database.ts';
import { formatNumber, formatRatio, numberFlag, parseFlags, printTable, Resources, type Benchmark } from './bench-kit.ts';
import { writeJourneyHistory, type JourneyHistory } from './generators/journey-history.ts';

const DAY = 86_400_000;
const WEEK = 7 * DAY;
const GOAL_VS_POSTGRES = 20;
const GOAL_VS_HAND_WRITTEN = 1.3;

/**
 * `npm run bench -- analytics`: four journey questions on a generated year of a retailer's events,
 * asked three ways in the same run: through Centric's API on its DuckDB store, through Centric's API
 * on its PostgreSQL store (the same data), and as hand-written DuckDB SQL on the same DuckDB tables
 * without Centric's layer. Prints absolute times, the ratios against the goals, and whether the
 * three answers agree.
 */
export const analyticsBenchmark: Benchmark = {
  name: 'analytics',
  description: 'funnel, paths, channel switching and weekly touchpoint change: Centric on DuckDB vs Centric on PostgreSQL vs hand-written DuckDB SQL (flags: --events N --customers N --runs N --pg-runs N --quick --skip-postgres)',
  async run(args) {
    const flags = parseFlags(args);
    const quick = flags.has('quick');
    const events = numberFlag(flags, 'events', quick ? 300_000 : 10_000_000);
    const customers = numberFlag(flags, 'customers', Math.max(1, Math.round(events / 10)));
    const runs = numberFlag(flags, 'runs', 3);
    const pgRuns = numberFlag(flags, 'pg-runs', 1);
    const skipPostgres = flags.has('skip-postgres');
    const resources = new Resources();
    let database: TestDatabase | null = null;
    const closers: Array<() => Promise<void>> = [];
    try {
      const dir = resources.tempDir('centric-analytics-bench-');
      let started = performance.now();
      const history = writeJourneyHistory({ events, customers, seed: 4 }, join(dir, 'events.csv'), join(dir, 'aliases.csv'));
      // PostgreSQL's server process reads the files for COPY.
      chmodSync(dir, 0o755);
      for (const file of ['events.csv', 'aliases.csv']) chmodSync(join(dir, file), 0o644);
      console.log(`history: ${formatNumber(history.events)} events of ${formatNumber(history.customers)} customers over a year, ${formatNumber(history.aliases)} merged cookie profiles not yet compacted (generated in ${seconds(performance.now() - started)})`);

      started = performance.now();
      const duck = new DuckDbAnalyticsStore({ path: join(dir, 'analytics.duckdb') });
      await duck.migrate();
      closers.push(() => duck.close());
      await loadDuckDb(duck, dir);
      console.log(`DuckDB: loaded in ${seconds(performance.now() - started)}`);

      let postgres: PostgresAnalyticsStore | null = null;
      if (!skipPostgres) {
        started = performance.now();
        database = await createTestDatabase();
        postgres = new PostgresAnalyticsStore({ connectionString: database.url });
        await postgres.migrate();
        closers.push(() => postgres!.close());
        await loadPostgres(postgres, dir);
        console.log(`PostgreSQL: loaded, indexed and analysed in ${seconds(performance.now() - started)} (work_mem 64MB per query, the store's default)`);
      }

      const duckApi = await analyticsApp(new AnalyticsService(duck, 'default'));
      closers.push(() => duckApi.close());
      const pgApi = postgres ? await analyticsApp(new AnalyticsService(postgres, 'default')) : null;
      if (pgApi) closers.push(() => pgApi.close());

      const rows: string[][] = [['question', 'Centric DuckDB', 'hand-written DuckDB', 'Centric PostgreSQL', 'PostgreSQL / Centric', 'Centric / hand-written', 'answers agree']];
      const verdicts: string[] = [];
      for (const question of questions(history)) {
        // Taking turns, so a busy moment on the machine falls on both sides alike.
        const [ours, hand] = await timePair(runs, () => ask(duckApi, question.path, question.body), () => duck.runSql(question.handSql));
        console.log(`${question.name}: Centric DuckDB ${ms(ours.ms)}, hand-written DuckDB ${ms(hand.ms)}${pgApi ? '; asking PostgreSQL...' : ''}`);
        const theirs = pgApi ? await time(pgRuns, () => ask(pgApi, question.path, question.body), quick) : null;
        if (theirs) console.log(`${question.name}: Centric PostgreSQL ${ms(theirs.ms)}`);
        const agree = [
          question.sameAsHand(ours.result, hand.result) ? 'hand: yes' : 'hand: NO',
          ...(theirs ? [isDeepStrictEqual(withoutEngine(ours.result), withoutEngine(theirs.result)) ? 'PostgreSQL: yes' : 'PostgreSQL: NO'] : []),
        ].join(', ');
        const vsPostgres = theirs ? theirs.ms / ours.ms : null;
        const vsHand = ours.ms / hand.ms;
        rows.push([
          question.name, ms(ours.ms), ms(hand.ms), theirs ? ms(theirs.ms) : 'skipped',
          vsPostgres === null ? '-' : formatRatio(vsPostgres), formatRatio(vsHand), agree,
        ]);
        verdicts.push(`${question.name}: ${vsPostgres === null ? '' : `${formatRatio(vsPostgres)} faster than PostgreSQL (goal ${GOAL_VS_POSTGRES}x: ${vsPostgres >= GOAL_VS_POSTGRES ? 'met' : 'NOT met'}), `}`
          + `${formatRatio(vsHand)} of hand-written DuckDB (goal at most ${GOAL_VS_HAND_WRITTEN}x: ${vsHand <= GOAL_VS_HAND_WRITTEN ? 'met' : 'NOT met'})`);
      }
      console.log(`\nmedian of ${runs} runs after a warm-up for DuckDB (Centric and hand-written taking turns); ${pgRuns} run${pgRuns > 1 ? 's' : ''} for PostgreSQL${quick ? ' after a warm-up' : ' (no warm-up: a run takes long; its tables were just loaded and analysed)'}`);
      printTable(rows);
      console.log('');
      for (const verdict of verdicts) console.log(verdict);
    } finally {
      for (const close of closers.reverse()) await close().catch(() => undefined);
      await database?.drop().catch(() => undefined);
      resources.release();
    }
  },
};

interface Question {
  name: string;
  path: string;
  body: Record<string, unknown>;
  handSql: string;
  /** Whether the API's answer and the hand-written query's rows say the same. */
  sameAsHand(api: Answer, rows: Array<Record<string, unknown>>): boolean;
}

/** An API answer as JSON: each check reads the fields of its question from `total`. */
interface Answer {
  engine: string;
  total: Record<string, unknown> & { goal?: { customers: number; crossChannel: number }; customers?: number };
  [field: string]: unknown;
}

const FUNNEL = ['Product Viewed', 'Product Added', 'Checkout Started', 'Order Completed'];

/** The events of the workspace on their customer's live profile: what every hand-written query starts from. */
const EVENTS = `analytics_events e LEFT JOIN analytics_profile_aliases a ON a.absorbed_id = e.profile_id`;

function questions(history: JourneyHistory): Question[] {
  const from = history.from;
  const to = history.to;
  // The last twelve whole weeks (Monday to Monday, UTC), against the twelve before.
  const weekEnd = Math.floor((to - 4 * DAY) / WEEK) * WEEK + 4 * DAY;
  const weekStart = weekEnd - 12 * WEEK;
  const iso = (time: number) => new Date(time).toISOString();
  const list = FUNNEL.map((name) => `'${name}'`).join(', ');
  return [
    {
      name: '4-step funnel, 7-day window',
      path: 'funnels',
      body: { from: iso(from), to: iso(to), steps: FUNNEL.map((event) => ({ event })), window: '7d' },
      handSql: `
        WITH ev AS (
          SELECT coalesce(a.root_id, e.profile_id) AS pid, e.ts, e.seq, e.event FROM ${EVENTS}
          WHERE e.workspace_id = 'default' AND e.ts >= ${from} AND e.ts < ${to + 7 * DAY} AND e.event IN (${list})
        ),
        n AS (
          SELECT pid, ts, seq, event,
            first_value(CASE WHEN event = 'Product Added' THEN seq END IGNORE NULLS) OVER w AS n2,
            first_value(CASE WHEN event = 'Checkout Started' THEN seq END IGNORE NULLS) OVER w AS n3,
            first_value(CASE WHEN event = 'Order Completed' THEN seq END IGNORE NULLS) OVER w AS n4
          FROM ev WINDOW w AS (PARTITION BY pid ORDER BY ts, seq ROWS BETWEEN 1 FOLLOWING AND UNBOUNDED FOLLOWING)
        ),
        s1 AS (SELECT pid, ts AS t1, seq AS q1, n2 FROM n WHERE event = 'Product Viewed' AND ts < ${to}),
        s2 AS (SELECT s1.pid, s1.t1, s1.q1, b.ts AS t2, b.n3 FROM s1 LEFT JOIN n b ON b.seq = s1.n2 AND b.ts <= s1.t1 + ${7 * DAY}),
        s3 AS (SELECT s2.pid, s2.t1, s2.q1, s2.t2, c.ts AS t3, c.n4 FROM s2 LEFT JOIN n c ON c.seq = s2.n3 AND c.ts <= s2.t1 + ${7 * DAY}),
        s4 AS (SELECT s3.pid, s3.t1, s3.q1, s3.t2, s3.t3, d.ts AS t4 FROM s3 LEFT JOIN n d ON d.seq = s3.n4 AND d.ts <= s3.t1 + ${7 * DAY}),
        best AS (
          SELECT * FROM s4
          QUALIFY row_number() OVER (PARTITION BY pid ORDER BY (t2 IS NOT NULL)::INT + (t3 IS NOT NULL)::INT + (t4 IS NOT NULL)::INT DESC, t1, q1) = 1
        )
        SELECT count(*) AS r1, count(t2) AS r2, count(t3) AS r3, count(t4) AS r4,
          median(t2 - t1) AS g1, median(t3 - t2) AS g2, median(t4 - t3) AS g3
        FROM best`,
      sameAsHand: (api, rows) => {
        const row = rows[0]!;
        const steps = api.total.steps as Array<{ customers: number; medianTimeFromPreviousMs: number | null }>;
        return steps.every((step, index) => step.customers === Number(row[`r${index + 1}`])
          && (index === 0 || step.medianTimeFromPreviousMs === Number(row[`g${index}`])));
      },
    },
    {
      name: 'paths after Product Viewed, 4 steps',
      path: 'paths',
      body: { from: iso(from), to: iso(to), stepKind: 'event', anchor: { event: 'Product Viewed' }, depth: 4 },
      handSql: `
        WITH ev AS (
          SELECT coalesce(a.root_id, e.profile_id) AS pid, e.ts, e.seq, e.event FROM ${EVENTS}
          WHERE e.workspace_id = 'default' AND e.ts >= ${from} AND e.ts < ${to}
        ),
        r AS (SELECT pid, event, event IS DISTINCT FROM lag(event) OVER w AS starts, row_number() OVER w AS rn FROM ev WINDOW w AS (PARTITION BY pid ORDER BY ts, seq)),
        anchors AS (SELECT pid, min(rn) FILTER (WHERE event = 'Product Viewed') AS arn FROM r GROUP BY pid HAVING arn IS NOT NULL),
        heads AS (
          SELECT r.pid, r.rn, arn, lead(r.rn) OVER w AS next_rn, event AS s0, lead(event, 1) OVER w AS s1, lead(event, 2) OVER w AS s2,
            lead(event, 3) OVER w AS s3, lead(event, 4) OVER w AS s4
          FROM r JOIN anchors USING (pid) WHERE starts WINDOW w AS (PARTITION BY r.pid ORDER BY r.rn)
        )
        SELECT s0, s1, s2, s3, s4, count(*) AS customers FROM heads WHERE rn <= arn AND (next_rn IS NULL OR next_rn > arn) GROUP BY ALL`,
      sameAsHand: (api, rows) => {
        const customers = rows.reduce((sum, row) => sum + Number(row.customers), 0);
        const top = rows.reduce((best, row) => (Number(row.customers) > Number(best.customers) ? row : best), rows[0]!);
        const nodes = api.total.nodes as Array<{ id: string; customers: number }>;
        const topId = [top.s0, top.s1, top.s2, top.s3, top.s4].map((step) => step ?? '(end)').filter((step, index, all) => all.indexOf('(end)') < 0 || index <= all.indexOf('(end)')).join(' > ');
        return api.total.customers === customers && nodes.some((node) => node.id === topId && node.customers >= Number(top.customers));
      },
    },
    {
      name: 'channel-switching matrix, journeys to an order',
      path: 'channel-switching',
      body: { from: iso(from), to: iso(to), goal: { event: 'Order Completed' }, lookback: '30d' },
      handSql: `
        WITH ev AS (
          SELECT coalesce(a.root_id, e.profile_id) AS pid, e.ts, e.seq, e.channel, e.event FROM ${EVENTS}
          WHERE e.workspace_id = 'default' AND e.ts >= ${from - 30 * DAY} AND e.ts < ${to}
        ),
        r AS (
          SELECT pid, ts, channel, lag(channel) OVER w AS prev, lag(ts) OVER w AS prev_ts
          FROM ev WHERE ts >= ${from} WINDOW w AS (PARTITION BY pid ORDER BY ts, seq)
        ),
        goals AS (
          SELECT pid, ts AS gts, seq AS gseq FROM ev WHERE event = 'Order Completed' AND ts >= ${from}
          QUALIFY row_number() OVER (PARTITION BY pid ORDER BY ts, seq) = 1
        ),
        journeys AS (
          SELECT ev.pid, count(DISTINCT ev.channel) AS channels FROM ev JOIN goals USING (pid)
          WHERE ev.ts >= gts - ${30 * DAY} AND (ev.ts < gts OR (ev.ts = gts AND ev.seq <= gseq)) GROUP BY ev.pid
        )
        SELECT 'move' AS part, prev AS a, channel AS b, count(*) AS n, count(DISTINCT pid) AS customers, median(ts - prev_ts) AS gap FROM r WHERE prev <> channel GROUP BY prev, channel
        UNION ALL SELECT 'channel', channel, NULL, count(*), count(DISTINCT pid), NULL FROM r GROUP BY channel
        UNION ALL SELECT 'goal', NULL, NULL, count(*), count(*) FILTER (WHERE channels > 1), NULL FROM journeys`,
      sameAsHand: (api, rows) => {
        const moves = rows.filter((row) => row.part === 'move');
        const goal = rows.find((row) => row.part === 'goal')!;
        const transitions = api.total.transitions as Array<{ from: string; to: string; transitions: number; customers: number; medianGapMs: number }>;
        return moves.length === transitions.length
          && moves.every((row) => transitions.some((move) => move.from === row.a && move.to === row.b && move.transitions === Number(row.n)
            && move.customers === Number(row.customers) && move.medianGapMs === Number(row.gap)))
          && api.total.goal?.customers === Number(goal.n) && api.total.goal?.crossChannel === Number(goal.customers);
      },
    },
    {
      name: 'weekly touchpoint change, 12 weeks vs the 12 before',
      path: 'touchpoint-usage',
      body: { from: iso(weekStart), to: iso(weekEnd), interval: 'week' },
      handSql: `
        WITH ev AS (
          SELECT coalesce(a.root_id, e.profile_id) AS pid, e.ts, e.touchpoint, e.channel, e.ts >= ${weekStart} AS cur FROM ${EVENTS}
          WHERE e.workspace_id = 'default' AND e.ts >= ${weekStart - 12 * WEEK} AND e.ts < ${weekEnd}
        )
        SELECT 'week' AS part, touchpoint, channel, floor((ts - ${4 * DAY}) / ${WEEK})::BIGINT AS week, NULL AS cur, count(*) AS n, count(DISTINCT pid) AS customers
          FROM ev WHERE cur GROUP BY touchpoint, channel, week
        UNION ALL SELECT 'total', touchpoint, channel, NULL, cur, count(*), count(DISTINCT pid) FROM ev GROUP BY touchpoint, channel, cur
        UNION ALL SELECT 'active', NULL, NULL, NULL, cur, NULL, count(DISTINCT pid) FROM ev GROUP BY cur`,
      sameAsHand: (api, rows) => {
        const totals = rows.filter((row) => row.part === 'total');
        const touchpoints = api.total.touchpoints as Array<{ touchpoint: string; channel: string; interactions: { current: number; previous: number }; customers: { current: number } }>;
        return totals.every((row) => {
          const place = touchpoints.find((candidate) => candidate.touchpoint === row.touchpoint && candidate.channel === row.channel);
          return place !== undefined && (row.cur ? place.interactions.current : place.interactions.previous) === Number(row.n);
        }) && rows.filter((row) => row.part === 'week').reduce((sum, row) => sum + Number(row.n), 0)
          === touchpoints.reduce((sum, place) => sum + place.interactions.current, 0);
      },
    },
  ];
}

async function loadDuckDb(store: DuckDbAnalyticsStore, dir: string): Promise<void> {
  await store.runSql(`INSERT INTO analytics_events SELECT * FROM read_csv('${join(dir, 'events.csv')}', header = false, quote = '"', escape = '"', columns = {
    'seq': 'BIGINT', 'workspace_id': 'VARCHAR', 'profile_id': 'VARCHAR', 'ts': 'BIGINT', 'type': 'VARCHAR', 'event': 'VARCHAR', 'channel': 'VARCHAR',
    'touchpoint': 'VARCHAR', 'department': 'VARCHAR', 'source_id': 'VARCHAR', 'properties': 'JSON', 'traits': 'JSON'})`);
  await store.runSql(`INSERT INTO analytics_profile_aliases SELECT * FROM read_csv('${join(dir, 'aliases.csv')}', header = false, columns = {'absorbed_id': 'VARCHAR', 'root_id': 'VARCHAR'})`);
  await store.runSql('CHECKPOINT');
}

async function loadPostgres(store: PostgresAnalyticsStore, dir: string): Promise<void> {
  // A bulk load as an operator would do it: indexes dropped, COPY, indexes built again, statistics gathered.
  await store.runSql('ALTER TABLE analytics_events DROP CONSTRAINT analytics_events_pkey');
  await store.runSql('DROP INDEX analytics_events_workspace_ts, analytics_events_profile');
  await store.runSql(`COPY analytics_events FROM '${join(dir, 'events.csv')}' (FORMAT csv)`);
  await store.runSql(`COPY analytics_profile_aliases FROM '${join(dir, 'aliases.csv')}' (FORMAT csv)`);
  await store.runSql('ALTER TABLE analytics_events ADD PRIMARY KEY (seq)');
  await store.runSql('CREATE INDEX analytics_events_workspace_ts ON analytics_events (workspace_id, ts)');
  await store.runSql('CREATE INDEX analytics_events_profile ON analytics_events (profile_id)');
  await store.runSql('VACUUM ANALYZE analytics_events');
  await store.runSql('ANALYZE analytics_profile_aliases');
}

/** The analytics routes alone, with the API's error handler, for requests through `inject`. */
async function analyticsApp(service: AnalyticsService): Promise<FastifyInstance> {
  const app = Fastify({ logger: false });
  installErrorHandler(app);
  await app.register(analyticsRoutes, { analytics: service, prefix: '/api/v1' });
  await app.ready();
  return app;
}

async function ask(app: FastifyInstance, path: string, body: Record<string, unknown>): Promise<Answer> {
  const response = await app.inject({ method: 'POST', url: `/api/v1/analytics/${path}`, payload: body });
  if (response.statusCode !== 200) throw new Error(`${path} answered ${response.statusCode}: ${response.body.slice(0, 300)}`);
  return response.json() as Answer;
}

/** Two pieces of work timed in turns (after one untimed run of each): the median of each and their last results. */
async function timePair<A, B>(runs: number, first: () => Promise<A>, second: () => Promise<B>): Promise<[{ ms: number; result: A }, { ms: number; result: B }]> {
  let a = await first();
  let b = await second();
  const timesA: number[] = [];
  const timesB: number[] = [];
  for (let run = 0; run < runs; run++) {
    if (run % 2 === 0) {
      a = await measure(first, timesA);
      b = await measure(second, timesB);
    } else {
      b = await measure(second, timesB);
      a = await measure(first, timesA);
    }
  }
  return [{ ms: median(timesA), result: a }, { ms: median(timesB), result: b }];
}

function median(values: number[]): number {
  const sorted = [...values].sort((x, y) => x - y);
  return sorted.length % 2 === 1 ? sorted[(sorted.length - 1) / 2]! : (sorted[sorted.length / 2 - 1]! + sorted[sorted.length / 2]!) / 2;
}

/** The median time of `runs` runs (after one untimed run when `warmUp`), and the last result. */
async function time<T>(runs: number, work: () => Promise<T>, warmUp = true): Promise<{ ms: number; result: T }> {
  let result = warmUp ? await work() : (undefined as T);
  const times: number[] = [];
  for (let run = 0; run < runs; run++) result = await measure(work, times);
  return { ms: median(times), result };
}

/** Runs `work` once, adding how long it took to `times`. */
async function measure<T>(work: () => Promise<T>, times: number[]): Promise<T> {
  const started = performance.now();
  const result = await work();
  times.push(performance.now() - started);
  return result;
}

function withoutEngine(answer: Answer): Record<string, unknown> {
  const { engine: _engine, ...rest } = answer;
  return rest;
}

function ms(value: number): string {
  return `${formatNumber(value, value < 100 ? 1 : 0)} ms`;
}

function seconds(value: number): string {
  return `${(value / 1000).toFixed(1)} s`;
}
