import { CentricError } from '../core/errors.ts';
import type {
  AnalyticsFilters, Breakdown, FunnelOrder, FunnelQuery, Interval, PathStepKind, StepMatcher, TimeRange,
} from '../core/analytics/analytics-model.ts';
import {
  funnelAnswer, pathsAnswer, retentionAnswer, stepName, switchingAnswer, usageAnswer,
} from '../core/analytics/analytics-results.ts';
import { checkFilters, checkIntervals, checkRange, checkStep } from '../core/analytics/analytics-validation.ts';
import { periodIndex, periodStart } from '../core/analytics/periods.ts';
import type { AnalyticsStore } from './analytics-port.ts';
import type { AnalyticsSink } from './analytics-sink.ts';

/** What every question is asked with. */
export interface QuestionRequest {
  range: TimeRange;
  filters: AnalyticsFilters;
  breakdown: Breakdown | null;
  /** Groups of a breakdown shown, largest first. */
  breakdownLimit: number;
}

/** A step with the name it is shown under. */
export type NamedStep = StepMatcher & { name?: string };

/** A funnel question. */
export interface FunnelRequest extends QuestionRequest {
  steps: NamedStep[];
  windowMs: number;
  order: FunnelOrder;
}

/** Who is at a funnel step, a page at a time. */
export interface FunnelCustomersRequest extends FunnelRequest {
  step: number;
  status: 'reached' | 'dropped';
  cursor: string | null;
  limit: number;
}

/** A paths question, with how many branches each node keeps. */
export interface PathsRequest extends QuestionRequest {
  stepKind: PathStepKind;
  anchor: StepMatcher | null;
  direction: 'after' | 'before';
  depth: number;
  branches: number;
}

/** A channel-switching question. */
export interface SwitchingRequest extends QuestionRequest {
  goal: StepMatcher | null;
  lookbackMs: number;
}

/** A touchpoint-usage question. */
export interface UsageRequest extends QuestionRequest {
  interval: Interval;
  /** The false discovery rate at which a change is flagged. */
  alpha: number;
}

/** A retention question. */
export interface RetentionRequest extends QuestionRequest {
  cohortBy: 'touchpoint' | 'channel';
  interval: Interval;
  periods: number;
  returnStep: StepMatcher | null;
}

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * The journey questions: checks a request, asks the analytics store for counts and turns them into
 * the answer (rates, trees, tests). Without an analytics store every question says it is unavailable.
 */
export class AnalyticsService {
  private readonly store: AnalyticsStore | null;
  private readonly workspaceId: string;
  private readonly sink: AnalyticsSink | null;

  constructor(store: AnalyticsStore | null, workspaceId: string, sink: AnalyticsSink | null = null) {
    this.store = store;
    this.workspaceId = workspaceId;
    this.sink = sink;
  }

  async funnel(request: FunnelRequest) {
    const store = this.ready();
    const counts = await store.funnel(this.funnelQuery(request));
    return {
      ...this.echo(request),
      windowMs: request.windowMs,
      order: request.order,
      ...funnelAnswer(counts, request.steps, request.steps.map((step) => step.name), request.breakdown, request.breakdownLimit),
    };
  }

  async funnelCustomers(request: FunnelCustomersRequest) {
    const store = this.ready();
    const query = this.funnelQuery(request);
    if (request.step > request.steps.length) {
      throw new CentricError('CENTRIC_ERR_ANALYTICS_INVALID_STEP', `step ${request.step} does not exist: the funnel has ${request.steps.length} steps`);
    }
    const rows = await store.funnelCustomers({ ...query, step: request.step, status: request.status, after: request.cursor, limit: request.limit + 1 });
    const items = rows.slice(0, request.limit);
    return {
      step: request.step,
      name: request.steps[request.step - 1]!.name ?? stepName(request.steps[request.step - 1]!),
      status: request.status,
      items: items.map((row) => ({ profileId: row.profileId, stepsReached: row.stepsReached, enteredAt: iso(row.enteredAt), lastStepAt: iso(row.lastStepAt) })),
      nextCursor: rows.length > request.limit ? items[items.length - 1]!.profileId : null,
    };
  }

  async paths(request: PathsRequest) {
    const store = this.ready();
    this.check(request);
    if (request.anchor) checkStep(request.anchor, 'anchor');
    const counts = await store.paths({ ...this.base(request), stepKind: request.stepKind, anchor: request.anchor, direction: request.direction, depth: request.depth });
    return {
      ...this.echo(request),
      stepKind: request.stepKind,
      anchor: request.anchor ? stepName(request.anchor) : null,
      direction: request.direction,
      depth: request.depth,
      ...pathsAnswer(counts, request.breakdown, request.branches, request.breakdownLimit),
    };
  }

  async switching(request: SwitchingRequest) {
    const store = this.ready();
    this.check(request);
    if (request.goal) checkStep(request.goal, 'goal');
    const counts = await store.switching({ ...this.base(request), goal: request.goal, lookbackMs: request.lookbackMs });
    return {
      ...this.echo(request),
      goal: request.goal ? stepName(request.goal) : null,
      lookbackMs: request.lookbackMs,
      ...switchingAnswer(counts, request.breakdown, request.breakdownLimit),
    };
  }

  async usage(request: UsageRequest) {
    const store = this.ready();
    this.check(request);
    checkIntervals(request.range, request.interval);
    const counts = await store.usage({ ...this.base(request), interval: request.interval });
    const length = request.range.to - request.range.from;
    const first = periodIndex(request.interval, request.range.from);
    const last = periodIndex(request.interval, request.range.to - 1);
    return {
      ...this.echo(request),
      previous: { from: iso(request.range.from - length), to: iso(request.range.from) },
      interval: request.interval,
      periods: Array.from({ length: last - first + 1 }, (_, index) => iso(periodStart(request.interval, first + index))),
      test: 'interactions: exact conditional binomial test of two Poisson counts over equal time (normal approximation above 10,000); '
        + 'customers: two-proportion z-test of reach (share of active customers); p-values adjusted for all touchpoints at once (Benjamini-Hochberg); '
        + `flagged when the adjusted p-value is below ${request.alpha}`,
      alpha: request.alpha,
      ...usageAnswer(counts, request.interval, request.breakdown, request.alpha, request.breakdownLimit),
    };
  }

  async retention(request: RetentionRequest) {
    const store = this.ready();
    this.check(request);
    checkIntervals(request.range, request.interval);
    if (request.returnStep) checkStep(request.returnStep, 'returnStep');
    const counts = await store.retention({
      ...this.base(request), cohortBy: request.cohortBy, interval: request.interval, periods: request.periods, returnStep: request.returnStep,
    });
    return {
      ...this.echo(request),
      cohortBy: request.cohortBy,
      interval: request.interval,
      periods: request.periods,
      returnStep: request.returnStep ? stepName(request.returnStep) : null,
      ...retentionAnswer(counts, request.periods, request.breakdown, request.breakdownLimit),
    };
  }

  /** Where the copy stands and what the sink is doing. */
  async status() {
    const store = this.ready();
    const stats = await store.stats();
    return { engine: store.engine, events: stats.events, aliases: stats.aliases, position: stats.position, sink: this.sink?.status() ?? null };
  }

  private ready(): AnalyticsStore {
    if (!this.store) throw new CentricError('CENTRIC_ERR_ANALYTICS_UNAVAILABLE', 'this server has no analytics store configured');
    return this.store;
  }

  private check(request: QuestionRequest): void {
    checkRange(request.range);
    checkFilters(request.filters);
  }

  /** Checks a funnel's range, filters and steps, and puts it as the store asks it. */
  private funnelQuery(request: FunnelRequest): FunnelQuery {
    this.check(request);
    request.steps.forEach((step, index) => checkStep(step, `steps[${index}]`));
    return { ...this.base(request), steps: request.steps.map(matcher), windowMs: request.windowMs, order: request.order };
  }

  private base(request: QuestionRequest) {
    return { workspaceId: this.workspaceId, range: request.range, filters: request.filters, breakdown: request.breakdown };
  }

  private echo(request: QuestionRequest) {
    return { from: iso(request.range.from), to: iso(request.range.to), engine: this.store!.engine };
  }
}

/** A step without its display name. */
function matcher({ name: _name, ...step }: NamedStep): StepMatcher {
  return step;
}
