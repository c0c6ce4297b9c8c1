import {
  PATH_END, type AnalyticsFilters, type Breakdown, type FunnelCounts, type FunnelCustomer, type FunnelCustomersQuery, type FunnelQuery,
  type GroupKey, type Interval, type PathCount, type PathQuery, type QueryBase, type RetentionCounts, type RetentionQuery,
  type StepMatcher, type SwitchingCounts, type SwitchingQuery, type UsageCounts, type UsageQuery, type ValueFilter,
} from '../../core/analytics/analytics-model.ts';
import { SqlParams, type SqlDialect, type SqlQuery } from './sql-dialect.ts';

/**
 * The analytics questions in SQL, written once for every engine that has window functions and
 * grouping sets (DuckDB, PostgreSQL). Each builder returns the query and a decoder for its rows.
 *
 * Every question starts from the same event stream: the workspace's events in a time range, narrowed
 * by the filters, each on its customer's live profile through the alias map (absorbed profile ->
 * the profile it lives on in), so merges cost a row in the map instead of rewriting history. Events
 * are ordered per customer by time, then by arrival (seq), which makes equal timestamps deterministic.
 */

export const TABLES = {
  events: 'analytics_events',
  aliases: 'analytics_profile_aliases',
  links: 'analytics_profile_links',
  position: 'analytics_sink_position',
} as const;

/** A query and how to read its rows into the domain's raw counts. */
export interface BuiltQuery<T> extends SqlQuery {
  decode(rows: Array<Record<string, unknown>>): T;
}

const DAY = 86_400_000;

class QueryWriter {
  readonly params = new SqlParams();
  private readonly traitCtes: string[] = [];
  private readonly traitJoins: string[] = [];
  private readonly dialect: SqlDialect;
  private readonly query: QueryBase;
  readonly workspace: string;

  constructor(dialect: SqlDialect, query: QueryBase) {
    this.dialect = dialect;
    this.query = query;
    this.workspace = this.params.text(query.workspaceId);
  }

  /** The expression of a path into a JSON column, checked by a filter. */
  valueCondition(column: string, path: string, filter: ValueFilter): string {
    const pathRef = this.params.add(this.dialect.pathValue(path.split('.')));
    return this.condition({
      text: this.dialect.jsonText(column, pathRef),
      number: this.dialect.jsonNumber(column, pathRef),
      present: this.dialect.jsonHasValue(column, pathRef),
    }, filter);
  }

  private condition(value: { text: string; number: string; present: string }, filter: ValueFilter): string {
    // Placeholders are taken only for what the condition uses: DuckDB refuses unused parameters.
    const list = () => (Array.isArray(filter.value) ? filter.value : [filter.value ?? '']).map((item) => this.params.text(String(item)));
    switch (filter.op) {
      case 'exists': return value.present;
      case 'not_exists': return `NOT ${value.present}`;
      case 'eq': return `${value.text} = ${list()[0]}`;
      case 'neq': return `${value.text} <> ${list()[0]}`;
      case 'in': return `${value.text} IN (${list().join(', ')})`;
      case 'not_in': return `${value.text} NOT IN (${list().join(', ')})`;
      case 'contains': return `strpos(lower(${value.text}), lower(${list()[0]})) > 0`;
      default: {
        const symbol = { gt: '>', gte: '>=', lt: '<', lte: '<=' }[filter.op];
        return `${value.number} ${symbol} ${this.params.double(Number(filter.value))}`;
      }
    }
  }

  /** True for the events a step matches (never null). */
  step(step: StepMatcher, alias = 'e'): string {
    const parts: string[] = [];
    if (step.event !== undefined) parts.push(`${alias}.event = ${this.params.text(step.event)}`);
    if (step.channel !== undefined) parts.push(`${alias}.channel = ${this.params.text(step.channel)}`);
    if (step.touchpoint !== undefined) parts.push(`${alias}.touchpoint = ${this.params.text(step.touchpoint)}`);
    if (step.department !== undefined) parts.push(`${alias}.department = ${this.params.text(step.department)}`);
    // The event columns are never null; only property filters can be, so only they need the coalesce.
    const properties = (step.where ?? []).map((filter) => this.valueCondition(`${alias}.properties`, filter.property, filter));
    if (properties.length > 0) parts.push(`coalesce(${properties.join(' AND ')}, FALSE)`);
    return parts.length === 0 ? 'TRUE' : `(${parts.join(' AND ')})`;
  }

  /**
   * A customer's current value of a trait: the newest event (by time, then arrival) that set it,
   * over all their events, joined to `base` by customer. Returns the CTE's name; its columns are
   * pid, txt, num, present.
   */
  private trait(trait: string): string {
    const name = `trait_${this.traitCtes.length + 1}`;
    const pathRef = this.params.add(this.dialect.pathValue(trait.split('.')));
    this.traitCtes.push(`${name} AS (
      SELECT pid, txt, num, present FROM (
        SELECT coalesce(a.root_id, e.profile_id) AS pid,
          ${this.dialect.jsonText('e.traits', pathRef)} AS txt, ${this.dialect.jsonNumber('e.traits', pathRef)} AS num,
          ${this.dialect.jsonHasValue('e.traits', pathRef)} AS present,
          row_number() OVER (PARTITION BY coalesce(a.root_id, e.profile_id) ORDER BY e.ts DESC, e.seq DESC) AS rn
        FROM ${TABLES.events} e LEFT JOIN ${TABLES.aliases} a ON a.absorbed_id = e.profile_id
        WHERE e.workspace_id = ${this.workspace} AND e.profile_id IS NOT NULL AND e.traits IS NOT NULL
          AND ${this.dialect.jsonHasKey('e.traits', pathRef)}
      ) t WHERE rn = 1
    )`);
    this.traitJoins.push(`LEFT JOIN ${name} ON ${name}.pid = coalesce(a.root_id, e.profile_id)`);
    return name;
  }

  /**
   * The CTE `base` of the question: one row per kept event, with pid (the live profile), seq, ts,
   * the event columns, `bd` (the breakdown value the event gives) and the extra columns asked for.
   */
  base(options: { from: number | null; to: number | null; columns: Record<string, string>; where?: string }): string {
    const conditions = [`e.workspace_id = ${this.workspace}`, 'e.profile_id IS NOT NULL'];
    if (options.from !== null) conditions.push(`e.ts >= ${this.params.bigint(options.from)}`);
    if (options.to !== null) conditions.push(`e.ts < ${this.params.bigint(options.to)}`);
    const filters: AnalyticsFilters = this.query.filters;
    const inList = (column: string, values: string[] | undefined) => {
      if (values?.length) conditions.push(`e.${column} IN (${values.map((value) => this.params.text(value)).join(', ')})`);
    };
    inList('channel', filters.channels);
    inList('touchpoint', filters.touchpoints);
    inList('department', filters.departments);
    for (const filter of filters.traits ?? []) {
      const name = this.trait(filter.trait);
      conditions.push(`coalesce(${this.condition({ text: `${name}.txt`, number: `${name}.num`, present: `coalesce(${name}.present, FALSE)` }, filter)}, FALSE)`);
    }
    const breakdown = this.breakdownColumn(this.query.breakdown);
    if (options.where) conditions.push(options.where);
    const columns = Object.entries(options.columns).map(([name, expression]) => `${expression} AS ${name}`);
    return `base AS (
      SELECT coalesce(a.root_id, e.profile_id) AS pid, e.seq, e.ts, e.event, e.channel, e.touchpoint, e.department,
        ${breakdown} AS bd${columns.length > 0 ? `, ${columns.join(', ')}` : ''}
      FROM ${TABLES.events} e LEFT JOIN ${TABLES.aliases} a ON a.absorbed_id = e.profile_id
      ${this.traitJoins.join('\n      ')}
      WHERE ${conditions.join(' AND ')}
    )`;
  }

  private breakdownColumn(breakdown: Breakdown | null): string {
    if (!breakdown) return 'CAST(NULL AS VARCHAR)';
    if (breakdown.kind !== 'trait') return `e.${breakdown.kind}`;
    return `${this.trait(breakdown.trait)}.txt`;
  }

  /** `WITH` and every CTE, trait CTEs first. */
  with(ctes: string[]): string {
    return `WITH ${[...this.traitCtes, ...ctes].join(',\n')}`;
  }

  /** A GROUP BY giving the total and, with a breakdown, every group; `total` is the column saying which. */
  grouping(bd: string, keys: string[]): { total: string; bd: string; groupBy: string } {
    if (!this.query.breakdown) return { total: '1', bd: 'CAST(NULL AS VARCHAR)', groupBy: keys.length > 0 ? `GROUP BY ${keys.join(', ')}` : '' };
    return { total: `GROUPING(${bd})`, bd, groupBy: `GROUP BY GROUPING SETS ((${[bd, ...keys].join(', ')}), (${keys.join(', ')}))` };
  }

  periodIndex(interval: Interval, ts: string): string {
    if (interval === 'day') return `CAST(floor(${ts} / ${DAY}.0) AS BIGINT)`;
    if (interval === 'week') return `CAST(floor((${ts} - ${4 * DAY}) / ${7 * DAY}.0) AS BIGINT)`;
    return this.dialect.monthIndex(ts);
  }
}

function groupKey(row: Record<string, unknown>): GroupKey {
  const total = Number(row.total) === 1;
  return { total, group: total ? null : ((row.bd as string | null) ?? null) };
}

function num(value: unknown): number {
  return Number(value);
}

function numOrNull(value: unknown): number | null {
  return value === null || value === undefined ? null : Number(value);
}

/** The funnel's best attempt per customer: CTE `best` with pid, bd, steps, t1..tK. */
function funnelAttempts(dialect: SqlDialect, query: FunnelQuery): { writer: QueryWriter; ctes: string[] } {
  const writer = new QueryWriter(dialect, query);
  const k = query.steps.length;
  const window = writer.params.bigint(query.windowMs);
  const entryFrom = writer.params.bigint(query.range.from);
  const entryTo = writer.params.bigint(query.range.to);
  const matches = Object.fromEntries(query.steps.map((step, index) => [`m${index + 1}`, writer.step(step)]));
  const stepsReached = ['1', ...query.steps.slice(1).map((_, index) => `CASE WHEN t${index + 2} IS NULL THEN 0 ELSE 1 END`)].join(' + ');
  const times = query.steps.map((_, index) => `t${index + 1}`);
  const ctes: string[] = [];
  if (query.order === 'strict') {
    // The next event must be the next step: read each step's row by its distance from the entry.
    ctes.push(writer.base({ from: query.range.from, to: query.range.to + query.windowMs, columns: matches }));
    const leads = query.steps.slice(1).flatMap((_, index) => [`lead(m${index + 2}, ${index + 1}) OVER w AS l${index + 2}`, `lead(ts, ${index + 1}) OVER w AS lt${index + 2}`]);
    ctes.push(`r AS (SELECT pid, seq, ts, bd, m1${leads.length ? `, ${leads.join(', ')}` : ''} FROM base WINDOW w AS (PARTITION BY pid ORDER BY ts, seq))`);
    const reachedUpTo = (step: number) => Array.from({ length: step - 1 }, (_, index) => `coalesce(l${index + 2}, FALSE) AND lt${index + 2} - ts <= ${window}`).join(' AND ');
    const stepTimes = query.steps.slice(1).map((_, index) => `CASE WHEN ${reachedUpTo(index + 2)} THEN lt${index + 2} END AS t${index + 2}`);
    ctes.push(`attempts AS (SELECT pid, seq AS q1, bd, ts AS t1${stepTimes.length ? `, ${stepTimes.join(', ')}` : ''} FROM r WHERE m1 AND ts >= ${entryFrom} AND ts < ${entryTo})`);
  } else {
    // Steps in order, anything between: for every event, the row number of the next event matching each
    // later step; an entry then follows those links step by step (the earliest match is always best).
    // Join conditions compare a column of one side with an expression of the other, so engines hash them.
    ctes.push(writer.base({ from: query.range.from, to: query.range.to + query.windowMs, columns: matches, where: `(${Object.values(matches).join(' OR ')})` }));
    if (dialect.ignoreNulls) {
      // One pass: each event learns the seq of the next event matching each later step (seq is unique).
      const nexts = query.steps.slice(1).map((_, index) => `first_value(CASE WHEN m${index + 2} THEN seq END IGNORE NULLS) OVER w AS nx${index + 2}`);
      ctes.push(`n AS (SELECT pid, seq, ts, bd, m1${nexts.length ? `, ${nexts.join(', ')}` : ''} FROM base
        WINDOW w AS (PARTITION BY pid ORDER BY ts, seq ROWS BETWEEN 1 FOLLOWING AND UNBOUNDED FOLLOWING))`);
    } else {
      ctes.push(`r AS (SELECT pid, seq, ts, bd, ${Object.keys(matches).join(', ')}, row_number() OVER (PARTITION BY pid ORDER BY ts, seq) AS rn FROM base)`);
      const nexts = query.steps.slice(1).map((_, index) => `min(CASE WHEN m${index + 2} THEN rn END) OVER w AS nx${index + 2}`);
      ctes.push(`n AS (SELECT pid, seq, ts, bd, m1, rn${nexts.length ? `, ${nexts.join(', ')}` : ''} FROM r
        WINDOW w AS (PARTITION BY pid ORDER BY rn DESC ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING))`);
    }
    const link = dialect.ignoreNulls ? 's.seq = j.nx' : 's.pid = j.pid AND s.rn = j.nx';
    ctes.push(`j1 AS (SELECT pid, seq AS q1, bd, ts AS t1${k > 1 ? ', nx2 AS nx' : ''} FROM n WHERE m1 AND ts >= ${entryFrom} AND ts < ${entryTo})`);
    for (let step = 2; step <= k; step++) {
      const carried = ['j.pid', 'j.q1', 'j.bd', ...times.slice(0, step - 1).map((time) => `j.${time}`)];
      ctes.push(`j${step} AS (SELECT ${carried.join(', ')}, s.ts AS t${step}${step < k ? `, s.nx${step + 1} AS nx` : ''}
        FROM j${step - 1} j LEFT JOIN n s ON ${link} AND s.ts <= j.t1 + ${window})`);
    }
    ctes.push(`attempts AS (SELECT pid, q1, bd, ${times.join(', ')} FROM j${k})`);
  }
  ctes.push(`best AS (
    SELECT pid, bd, steps, ${times.join(', ')} FROM (
      SELECT pid, bd, ${times.join(', ')}, ${stepsReached} AS steps,
        row_number() OVER (PARTITION BY pid ORDER BY ${stepsReached} DESC, t1, q1) AS rn
      FROM attempts
    ) x WHERE rn = 1
  )`);
  return { writer, ctes };
}

export function funnelSql(dialect: SqlDialect, query: FunnelQuery): BuiltQuery<FunnelCounts[]> {
  const { writer, ctes } = funnelAttempts(dialect, query);
  const k = query.steps.length;
  const { total, bd, groupBy } = writer.grouping('bd', []);
  const counts = query.steps.map((_, index) => `count(t${index + 1}) AS r${index + 1}`);
  const gaps = query.steps.slice(1).map((_, index) => `${dialect.median(`t${index + 2} - t${index + 1}`)} AS g${index + 1}`);
  const sql = `${writer.with(ctes)}
    SELECT ${total} AS total, ${bd} AS bd, ${[...counts, ...gaps].join(', ')} FROM best ${groupBy} HAVING count(*) > 0`;
  return {
    sql,
    params: writer.params.values,
    decode: (rows) => rows.map((row) => ({
      ...groupKey(row),
      reached: Array.from({ length: k }, (_, index) => num(row[`r${index + 1}`])),
      medianGapMs: Array.from({ length: k - 1 }, (_, index) => numOrNull(row[`g${index + 1}`])),
    })),
  };
}

export function funnelCustomersSql(dialect: SqlDialect, query: FunnelCustomersQuery): BuiltQuery<FunnelCustomer[]> {
  const { writer, ctes } = funnelAttempts(dialect, query);
  const times = query.steps.map((_, index) => `t${index + 1}`).reverse();
  const status = query.status === 'reached' ? `steps >= ${writer.params.bigint(query.step)}` : `steps = ${writer.params.bigint(query.step)}`;
  const after = query.after === null ? '' : ` AND pid > ${writer.params.text(query.after)}`;
  const sql = `${writer.with(ctes)}
    SELECT pid, steps, t1, coalesce(${times.join(', ')}) AS last_at FROM best WHERE ${status}${after} ORDER BY pid LIMIT ${writer.params.bigint(query.limit)}`;
  return {
    sql,
    params: writer.params.values,
    decode: (rows) => rows.map((row) => ({ profileId: String(row.pid), stepsReached: num(row.steps), enteredAt: num(row.t1), lastStepAt: num(row.last_at) })),
  };
}

export function pathsSql(dialect: SqlDialect, query: PathQuery): BuiltQuery<PathCount[]> {
  const writer = new QueryWriter(dialect, query);
  const anchor = query.anchor ? writer.step(query.anchor) : 'TRUE';
  const base = writer.base({ from: query.range.from, to: query.range.to, columns: { label: `e.${query.stepKind}`, anchor } });
  const after = query.direction === 'after';
  const steps = Array.from({ length: query.depth + 1 }, (_, index) => `s${index}`);
  const { total, bd, groupBy } = writer.grouping('bd', steps);
  // The steps next to the anchor's run, read from the run heads in one pass (lead after, lag before).
  const neighbours = steps.slice(1).map((step, index) => `${after ? 'lead' : 'lag'}(label, ${index + 1}) OVER w AS ${step}`);
  const sql = `${writer.with([
    base,
    `r AS (SELECT pid, bd, label, anchor, row_number() OVER w AS rn, lag(label) OVER w AS prev_label FROM base WINDOW w AS (PARTITION BY pid ORDER BY ts, seq))`,
    `a AS (SELECT pid, ${after ? 'min' : 'max'}(CASE WHEN anchor THEN rn END) AS arn FROM r GROUP BY pid)`,
    // Run heads: a step repeated right after itself is one step of the path.
    `h AS (SELECT r.pid, r.rn, r.label, a.arn FROM r JOIN a ON a.pid = r.pid WHERE a.arn IS NOT NULL AND (r.prev_label IS NULL OR r.prev_label <> r.label))`,
    `l AS (SELECT pid, rn, arn, lead(rn) OVER w AS next_rn, label AS s0${neighbours.length ? `, ${neighbours.join(', ')}` : ''} FROM h WINDOW w AS (PARTITION BY pid ORDER BY rn))`,
    // The anchor's run: the last head at or before the anchor event.
    `p AS (SELECT pid, ${steps.join(', ')} FROM l WHERE rn <= arn AND (next_rn IS NULL OR next_rn > arn))`,
    query.breakdown
      ? `pb AS (SELECT p.*, r.bd FROM p JOIN a ON a.pid = p.pid JOIN r ON r.pid = a.pid AND r.rn = a.arn)`
      : `pb AS (SELECT p.*, CAST(NULL AS VARCHAR) AS bd FROM p)`,
  ])}
    SELECT ${total} AS total, ${bd} AS bd, ${steps.join(', ')}, count(*) AS customers FROM pb ${groupBy}`;
  return {
    sql,
    params: writer.params.values,
    decode: (rows) => rows.map((row) => {
      const path: string[] = [];
      for (const step of steps) {
        if (row[step] === null || row[step] === undefined) break;
        path.push(String(row[step]));
      }
      if (path.length < steps.length) path.push(PATH_END);
      return { ...groupKey(row), steps: path, customers: num(row.customers) };
    }),
  };
}

export function switchingSql(dialect: SqlDialect, query: SwitchingQuery): BuiltQuery<SwitchingCounts> {
  const writer = new QueryWriter(dialect, query);
  const goal = query.goal ? writer.step(query.goal) : 'FALSE';
  const from = writer.params.bigint(query.range.from);
  const lookback = writer.params.bigint(query.lookbackMs);
  const base = writer.base({ from: query.goal ? query.range.from - query.lookbackMs : query.range.from, to: query.range.to, columns: { goal } });
  const grouped = (keys: string[]) => writer.grouping('cbd', keys);
  const moves = grouped(['prev_channel', 'channel']);
  const uses = grouped(['channel']);
  const totals = grouped([]);
  const journeys = grouped(['nch']);
  const sql = `${writer.with([
    base,
    `r AS (SELECT pid, ts, seq, channel, lag(channel) OVER w AS prev_channel, lag(ts) OVER w AS prev_ts, first_value(bd) OVER w AS cbd
      FROM base WHERE ts >= ${from} WINDOW w AS (PARTITION BY pid ORDER BY ts, seq))`,
    `c AS (SELECT pid, min(cbd) AS cbd, count(DISTINCT channel) AS channels FROM r GROUP BY pid)`,
    `gl AS (SELECT pid, ts, seq FROM (SELECT pid, ts, seq, row_number() OVER (PARTITION BY pid ORDER BY ts, seq) AS rn FROM base WHERE goal AND ts >= ${from}) x WHERE rn = 1)`,
    `jr AS (SELECT b.pid, count(DISTINCT b.channel) AS nch FROM base b JOIN gl ON b.pid = gl.pid
      WHERE b.ts >= gl.ts - ${lookback} AND (b.ts < gl.ts OR (b.ts = gl.ts AND b.seq <= gl.seq)) GROUP BY b.pid)`,
  ])}
    SELECT 'move' AS part, ${moves.total} AS total, ${moves.bd} AS bd, prev_channel AS a, channel AS b, count(*) AS n1, count(DISTINCT pid) AS n2, ${dialect.median('ts - prev_ts')} AS med
      FROM r WHERE prev_channel <> channel ${moves.groupBy}
    UNION ALL
    SELECT 'channel', ${uses.total}, ${uses.bd}, channel, NULL, count(*), count(DISTINCT pid), NULL FROM r ${uses.groupBy}
    UNION ALL
    SELECT 'customers', ${totals.total}, ${totals.bd}, NULL, NULL, count(*), count(CASE WHEN channels > 1 THEN 1 END), NULL FROM c ${totals.groupBy}
    UNION ALL
    SELECT 'goal', ${journeys.total}, ${journeys.bd}, NULL, NULL, count(*), nch, NULL FROM jr JOIN c USING (pid) ${journeys.groupBy}`;
  return {
    sql,
    params: writer.params.values,
    decode: (rows) => {
      const counts: SwitchingCounts = { transitions: [], channels: [], customers: [], goal: [] };
      for (const row of rows) {
        const key = groupKey(row);
        if (row.part === 'move') counts.transitions.push({ ...key, from: String(row.a), to: String(row.b), transitions: num(row.n1), customers: num(row.n2), medianGapMs: numOrNull(row.med) });
        else if (row.part === 'channel') counts.channels.push({ ...key, channel: String(row.a), events: num(row.n1), customers: num(row.n2) });
        else if (row.part === 'customers') {
          if (num(row.n1) > 0) counts.customers.push({ ...key, customers: num(row.n1), multiChannel: num(row.n2) });
        } else counts.goal.push({ ...key, channelCount: num(row.n2), customers: num(row.n1) });
      }
      return counts;
    },
  };
}

export function usageSql(dialect: SqlDialect, query: UsageQuery): BuiltQuery<UsageCounts> {
  const writer = new QueryWriter(dialect, query);
  const length = query.range.to - query.range.from;
  const from = writer.params.bigint(query.range.from);
  const base = writer.base({ from: query.range.from - length, to: query.range.to, columns: {} });
  const period = writer.periodIndex(query.interval, 'ts');
  const cells = writer.grouping('bd', ['touchpoint', 'channel', 'period']);
  const totals = writer.grouping('bd', ['touchpoint', 'channel', 'cur']);
  const active = writer.grouping('bd', ['cur']);
  const sql = `${writer.with([base, `b AS (SELECT pid, ts, bd, touchpoint, channel, CASE WHEN ts >= ${from} THEN 1 ELSE 0 END AS cur FROM base)`])}
    SELECT 'cell' AS part, ${cells.total} AS total, ${cells.bd} AS bd, touchpoint, channel, ${period} AS period, count(*) AS interactions, count(DISTINCT pid) AS customers
      FROM b WHERE cur = 1 ${cells.groupBy}
    UNION ALL
    SELECT 'total', ${totals.total}, ${totals.bd}, touchpoint, channel, cur, count(*), count(DISTINCT pid) FROM b ${totals.groupBy}
    UNION ALL
    SELECT 'active', ${active.total}, ${active.bd}, NULL, NULL, cur, NULL, count(DISTINCT pid) FROM b ${active.groupBy}`;
  return {
    sql,
    params: writer.params.values,
    decode: (rows) => {
      const counts: UsageCounts = { cells: [], totals: [], active: [] };
      for (const row of rows) {
        const key = groupKey(row);
        if (row.part === 'cell') counts.cells.push({ ...key, touchpoint: String(row.touchpoint), channel: String(row.channel), period: num(row.period), interactions: num(row.interactions), customers: num(row.customers) });
        else if (row.part === 'total') counts.totals.push({ ...key, touchpoint: String(row.touchpoint), channel: String(row.channel), current: num(row.period) === 1, interactions: num(row.interactions), customers: num(row.customers) });
        else counts.active.push({ ...key, current: num(row.period) === 1, customers: num(row.customers) });
      }
      return counts;
    },
  };
}

export function retentionSql(dialect: SqlDialect, query: RetentionQuery): BuiltQuery<RetentionCounts> {
  const writer = new QueryWriter(dialect, query);
  const returns = query.returnStep ? writer.step(query.returnStep) : 'TRUE';
  const base = writer.base({ from: null, to: null, columns: { returns } });
  const from = writer.params.bigint(query.range.from);
  const to = writer.params.bigint(query.range.to);
  const periods = writer.params.bigint(query.periods);
  const cohorts = writer.grouping('bd', ['cohort']);
  const cells = writer.grouping('f.bd', ['f.cohort', 'act.period']);
  const sql = `${writer.with([
    base,
    `f AS (SELECT pid, ts AS fts, cohort, bd FROM (
      SELECT pid, ts, ${query.cohortBy} AS cohort, bd, row_number() OVER (PARTITION BY pid ORDER BY ts, seq) AS rn FROM base
    ) x WHERE rn = 1 AND ts >= ${from} AND ts < ${to})`,
    `act AS (SELECT DISTINCT b.pid, ${writer.periodIndex(query.interval, 'b.ts')} - ${writer.periodIndex(query.interval, 'f.fts')} AS period
      FROM base b JOIN f ON b.pid = f.pid WHERE b.returns)`,
  ])}
    SELECT 'cohort' AS part, ${cohorts.total} AS total, ${cohorts.bd} AS bd, cohort, CAST(NULL AS BIGINT) AS period, count(*) AS customers FROM f ${cohorts.groupBy}
    UNION ALL
    SELECT 'cell', ${cells.total}, ${cells.bd}, f.cohort, act.period, count(*) FROM act JOIN f ON f.pid = act.pid WHERE act.period <= ${periods} ${cells.groupBy}`;
  return {
    sql,
    params: writer.params.values,
    decode: (rows) => {
      const counts: RetentionCounts = { cells: [], cohorts: [] };
      for (const row of rows) {
        const key = groupKey(row);
        if (row.part === 'cohort') counts.cohorts.push({ ...key, cohort: String(row.cohort), customers: num(row.customers) });
        else counts.cells.push({ ...key, cohort: String(row.cohort), period: num(row.period), customers: num(row.customers) });
      }
      return counts;
    },
  };
}
