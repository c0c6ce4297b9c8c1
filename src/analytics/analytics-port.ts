import type {
  AnalyticsEvent, FunnelCounts, FunnelCustomer, FunnelCustomersQuery, FunnelQuery, PathCount, PathQuery, RetentionCounts, RetentionQuery,
  SwitchingCounts, SwitchingQuery, UsageCounts, UsageQuery,
} from '../core/analytics/analytics-model.ts';
import type { ProfileChange } from '../stores/ports.ts';

/** How far the analytics copy has come: the last event seq copied and the last profile change applied. */
export interface SinkPosition {
  eventSeq: number;
  changeId: number;
}

/** One step of the copy, applied in one transaction. */
export interface SinkBatch {
  /** The position the batch starts from; a store holding another one refuses the batch (it was applied already, or by someone else). */
  from: SinkPosition;
  to: SinkPosition;
  events: AnalyticsEvent[];
  /** Applied after the events, in order. */
  changes: ProfileChange[];
}

/** What the copy holds, for status pages and the compaction schedule. */
export interface AnalyticsStats {
  events: number;
  /** Absorbed profiles whose copied events still carry their old id and are mapped at query time. */
  aliases: number;
  position: SinkPosition;
}

/** Thrown by `apply` when the store's position is not the batch's `from`. */
export class SinkPositionConflict extends Error {
  readonly stored: SinkPosition;

  constructor(stored: SinkPosition, expected: SinkPosition) {
    super(`the analytics store is at event ${stored.eventSeq} / change ${stored.changeId}, not at ${expected.eventSeq} / ${expected.changeId}`);
    this.name = 'SinkPositionConflict';
    this.stored = stored;
  }
}

/**
 * The analytics store: a columnar copy of the event history that answers the journey questions.
 * Events keep the profile id they had when copied; merges add an alias (absorbed -> live profile)
 * applied at query time, unmerges move the events they name, and `compact` folds the aliases into
 * the rows in the background. Every adapter passes `src/stores/contract/analytics-store.contract.ts`.
 */
export interface AnalyticsStore {
  readonly engine: string;
  migrate(): Promise<void>;
  close(): Promise<void>;

  position(): Promise<SinkPosition>;
  /** In one transaction: checks the position is `batch.from`, appends the events, applies the changes, records `batch.to`. */
  apply(batch: SinkBatch): Promise<void>;
  /** Rewrites copied events of absorbed profiles onto their live profile and drops the aliases that served them. */
  compact(): Promise<{ rewritten: number }>;
  stats(): Promise<AnalyticsStats>;
  /** How many aliases wait to be compacted (cheap: the sink asks often). */
  aliasCount(): Promise<number>;
  /** Deletes every copied event of these live profiles and of the profiles merged into them (erasure of a customer). */
  erase(workspaceId: string, profileIds: string[]): Promise<number>;

  funnel(query: FunnelQuery): Promise<FunnelCounts[]>;
  funnelCustomers(query: FunnelCustomersQuery): Promise<FunnelCustomer[]>;
  paths(query: PathQuery): Promise<PathCount[]>;
  switching(query: SwitchingQuery): Promise<SwitchingCounts>;
  usage(query: UsageQuery): Promise<UsageCounts>;
  retention(query: RetentionQuery): Promise<RetentionCounts>;
}
