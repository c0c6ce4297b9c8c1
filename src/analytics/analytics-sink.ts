import { analyticsEventName, analyticsProperties, analyticsTraits, type AnalyticsEvent } from '../core/analytics/analytics-model.ts';
import { BackgroundLoop } from '../core/background-loop.ts';
import type { EventRecord, ProfileChange, StateStore } from '../stores/ports.ts';
import { SinkPositionConflict, type AnalyticsStore, type SinkPosition } from './analytics-port.ts';

/** How the sink copies; every field has a default. */
export interface AnalyticsSinkOptions {
  /** Events copied per transaction. */
  batchSize?: number;
  /** How long to wait before looking again once everything is copied. */
  idleMs?: number;
  /** Fold aliases into the rows once this many have gathered... */
  compactAfterAliases?: number;
  /** ...or once this long has passed with any alias. */
  compactEveryMs?: number;
  onError?: (error: unknown) => void;
  /** Called after every committed batch (tests and progress displays). */
  onBatch?: (position: SinkPosition, copied: { events: number; changes: number }) => void;
}

/** What the sink has done, for the status endpoint. */
export interface SinkStatus {
  running: boolean;
  position: SinkPosition | null;
  eventsCopied: number;
  changesApplied: number;
  compactions: number;
  lastError: string | null;
}

const CHANGE_PAGE = 1000;

/**
 * Copies the event history from the state store into the analytics store, and follows merges and
 * unmerges. Each step commits its rows together with the new position (the high-water mark), inside
 * the analytics store, so a crash at any point leaves either the whole step or none of it: on restart
 * the sink reads the position and goes on, and no event is lost or copied twice.
 *
 * Events are read with the profile they live on at the time of reading, which may already reflect
 * changes not yet applied to the copy. Merges are safe in any order (they only add aliases). An
 * unmerge is not: so profile changes are applied before events are read, and a batch of events read
 * while an unmerge was committed is put back and read again after the unmerge is applied.
 */
export class AnalyticsSink {
  private readonly source: Pick<StateStore, 'readEventsAfter' | 'readProfileChanges'>;
  private readonly target: AnalyticsStore;
  private readonly batchSize: number;
  private readonly idleMs: number;
  private readonly compactAfterAliases: number;
  private readonly compactEveryMs: number;
  private readonly options: AnalyticsSinkOptions;
  private readonly loop: BackgroundLoop;
  private steps = 0;
  private lastCompaction = Date.now();
  private readonly state: Omit<SinkStatus, 'running' | 'lastError'> = { position: null, eventsCopied: 0, changesApplied: 0, compactions: 0 };

  constructor(source: Pick<StateStore, 'readEventsAfter' | 'readProfileChanges'>, target: AnalyticsStore, options: AnalyticsSinkOptions = {}) {
    this.source = source;
    this.target = target;
    this.options = options;
    this.batchSize = options.batchSize ?? 5000;
    this.idleMs = options.idleMs ?? 500;
    this.compactAfterAliases = options.compactAfterAliases ?? 10_000;
    this.compactEveryMs = options.compactEveryMs ?? 10 * 60_000;
    this.loop = new BackgroundLoop(async () => {
      const outcome = await this.stepNow();
      if (outcome === 'idle' || ++this.steps % 50 === 0) await this.compactIfDue();
      return outcome !== 'idle';
    }, { idleMs: this.idleMs, onError: options.onError });
  }

  /** Copies in the background until stopped. */
  start(): void {
    this.loop.start();
  }

  stop(): Promise<void> {
    return this.loop.stop();
  }

  status(): SinkStatus {
    return { ...this.state, running: this.loop.running, lastError: this.loop.lastError, position: this.state.position ? { ...this.state.position } : null };
  }

  /** Copies until nothing is left (tests, and the demo before it serves). */
  async catchUp(): Promise<void> {
    while ((await this.step()) !== 'idle') {
      // Each step commits on its own.
    }
  }

  /**
   * One step: the next page of profile changes if any, otherwise the next batch of events.
   * 'retry' means the events were put back because an unmerge came in while they were read.
   */
  step(): Promise<'changes' | 'events' | 'retry' | 'idle'> {
    return this.loop.runStep(() => this.stepNow());
  }

  private async stepNow(): Promise<'changes' | 'events' | 'retry' | 'idle'> {
    const position = await this.target.position();
    this.state.position = position;
    const changes = await this.source.readProfileChanges(position.changeId, CHANGE_PAGE);
    if (changes.length > 0) {
      return this.commit(position, { eventSeq: position.eventSeq, changeId: changes[changes.length - 1]!.id }, [], changes, 'changes');
    }
    const records = await this.source.readEventsAfter(position.eventSeq, this.batchSize);
    if (records.length === 0) return 'idle';
    // Changes committed while the events were read: the events may already show them.
    const during = await this.source.readProfileChanges(position.changeId, CHANGE_PAGE);
    if (during.length === CHANGE_PAGE || during.some((change) => change.kind === 'unmerge')) return 'retry';
    const to = { eventSeq: records[records.length - 1]!.seq, changeId: during.length > 0 ? during[during.length - 1]!.id : position.changeId };
    return this.commit(position, to, records.map(toAnalyticsEvent), during, 'events');
  }

  private async commit<T extends 'changes' | 'events'>(from: SinkPosition, to: SinkPosition, events: AnalyticsEvent[], changes: ProfileChange[], kind: T): Promise<T | 'retry'> {
    try {
      await this.target.apply({ from, to, events, changes });
    } catch (error) {
      // Another writer moved the position (or this batch was already applied): read it again.
      if (error instanceof SinkPositionConflict) return 'retry';
      throw error;
    }
    this.state.position = to;
    this.state.eventsCopied += events.length;
    this.state.changesApplied += changes.length;
    this.options.onBatch?.(to, { events: events.length, changes: changes.length });
    return kind;
  }

  /** Folds aliases into rows when enough have gathered or enough time has passed. */
  async compactIfDue(): Promise<void> {
    const aliases = await this.target.aliasCount();
    if (aliases === 0) return;
    if (aliases < this.compactAfterAliases && Date.now() - this.lastCompaction < this.compactEveryMs) return;
    await this.target.compact();
    this.lastCompaction = Date.now();
    this.state.compactions += 1;
  }
}

/** An event of the state store as the analytics copy keeps it. */
export function toAnalyticsEvent(record: EventRecord): AnalyticsEvent {
  return {
    seq: record.seq,
    workspaceId: record.workspaceId,
    profileId: record.profileId ?? null,
    ts: record.timestamp,
    type: record.type,
    event: analyticsEventName(record.type, record.event),
    channel: record.channel,
    touchpoint: record.touchpoint,
    department: record.department,
    sourceId: record.sourceId,
    properties: analyticsProperties(record.payload),
    traits: analyticsTraits(record.payload),
  };
}
