import { analyticsEventName, analyticsProperties, analyticsTraits } from '../core/analytics/analytics-model.ts';
import type { ComputedTraitDefinition, SegmentDefinition } from '../core/segments/segment-definition.ts';
import {
  compilePlan, computeTrait, earliest, evaluateSegment, missingTrackers, tidy, type CompiledSegment, type Plan,
} from '../core/segments/segment-plan.ts';
import { accumulate, buildAccumulator, combine, emptyAccumulator, matches, type Accumulators, type EventFacts } from '../core/segments/trackers.ts';
import { BackgroundLoop } from '../core/background-loop.ts';
import type { EventRecord, ProfileChange, StateStore } from '../stores/ports.ts';
import type {
  ComputationProgress, ComputedTraitRecord, MembershipCause, NewMembershipChange, ProfileSegmentState, SegmentEnginePosition, SegmentInput,
  SegmentRecord, SegmentStore,
} from './segment-port.ts';

/** What the engine reads and writes: the state store's feeds, a profile's history, and the segment tables. */
export type SegmentEngineStore = Pick<StateStore, 'readEventsAfter' | 'readProfileChanges' | 'listProfileEvents'> & SegmentStore;

export interface SegmentEngineOptions {
  workspaceIds: string[];
  /** Events evaluated per commit. */
  batchSize?: number;
  /** How long to wait before looking again when there is nothing to do (a wake-up cuts it short). */
  idleMs?: number;
  /** Profiles per background computation commit. */
  computationBatch?: number;
  now?: () => number;
  /** Read the definitions again this often even unasked (other processes may change them); never when absent. */
  reloadEveryMs?: number;
  onError?: (error: unknown) => void;
  /** Called with each committed batch of membership changes, in order. */
  onChanges?: (changes: NewMembershipChange[]) => void;
}

export interface SegmentEngineStatus {
  running: boolean;
  position: SegmentEnginePosition | null;
  eventsEvaluated: number;
  membershipChanges: number;
  timedChecks: number;
  lastError: string | null;
}

/**
 * What the engine keeps per profile inside the state's JSON: the accumulators that counted something
 * (most trackers never match a given customer, and are left out), the plan they were built under, and
 * the next change time of each segment and trait.
 */
interface StoredAccumulators {
  t: Accumulators;
  /** The plan fingerprint: when it is still the current one, every tracker left out of `t` is built and empty. */
  p: string;
  /** Next moment each answer can change with no new event: segment id, or `trait:<key>`. */
  n: Record<string, number>;
}

/** A profile being worked on in one step. */
interface Working {
  profileId: string;
  workspaceId: string;
  traits: Record<string, unknown>;
  accumulators: Accumulators;
  next: Record<string, number>;
  computed: Record<string, { value: unknown; at: number }>;
  members: Record<string, number>;
}

interface WorkspacePlan {
  plan: Plan;
  segments: SegmentRecord[];
  traits: ComputedTraitRecord[];
  /** Segment ids and `trait:<key>`: the answers that may keep a next-change time. */
  answers: Set<string>;
  traitKeys: Set<string>;
}

/** Which answers of a profile to refresh. */
interface Scope {
  all?: boolean;
  trackers?: Set<string>;
  traitsChanged?: boolean;
  /** Segment ids and `trait:<key>` entries to refresh whatever else changed. */
  ids?: Set<string>;
}

interface Computation {
  key: string;
  items: Array<{ kind: 'segment' | 'computed-trait'; id: string; revision: number; workspaceId: string }>;
  workspaceIndex: number;
  cursor: string | null;
  done: number;
  total: number;
  startedAt: number;
}

type StepOutcome = 'changes' | 'events' | 'retry' | 'due' | 'computation' | 'idle';

const CHANGE_PAGE = 500;
const HISTORY_PAGE = 1000;

/**
 * Keeps segment memberships and computed traits current. It follows the state store's event feed and
 * profile-change feed like the analytics sink: each step reads what was stored since its position,
 * updates the accumulators of the profiles involved, evaluates only the segments those events can
 * affect, and commits states, membership changes and the new position together, so a crash repeats a
 * step or not, never half of one. Between events it runs the checks the scheduler has due (windows
 * that expire) and, in small commits, the background computation of new or edited definitions.
 */
export class SegmentEngine {
  private readonly store: SegmentEngineStore;
  private readonly options: SegmentEngineOptions;
  private readonly now: () => number;
  private plans = new Map<string, WorkspacePlan>();
  private dirty = true;
  private loadedAt = 0;
  private computation: Computation | null = null;
  private readonly loop: BackgroundLoop;
  private readonly state: Omit<SegmentEngineStatus, 'running' | 'lastError'> = { position: null, eventsEvaluated: 0, membershipChanges: 0, timedChecks: 0 };

  constructor(store: SegmentEngineStore, options: SegmentEngineOptions) {
    this.store = store;
    this.options = options;
    this.now = options.now ?? Date.now;
    this.loop = new BackgroundLoop(async () => (await this.stepNow()) !== 'idle', { idleMs: options.idleMs ?? 50, onError: options.onError });
  }

  start(): void {
    this.loop.start();
  }

  stop(): Promise<void> {
    return this.loop.stop();
  }

  /** Looks again at once (events were stored, a definition changed). */
  wake(): void {
    this.loop.wake();
  }

  /** Definitions changed: read them again before the next step. */
  reload(): void {
    this.dirty = true;
    this.wake();
  }

  status(): SegmentEngineStatus {
    return { ...this.state, running: this.loop.running, lastError: this.loop.lastError, position: this.state.position ? { ...this.state.position } : null };
  }

  /** Steps until nothing is left: events, due checks and background computations (tests, the demo). */
  async catchUp(): Promise<void> {
    while ((await this.step()) !== 'idle') {
      // Each step commits on its own.
    }
  }

  /** One step of work, after the one in hand; 'idle' when there was none. */
  step(): Promise<StepOutcome> {
    return this.loop.runStep(() => this.stepNow());
  }

  private async stepNow(): Promise<StepOutcome> {
    if (this.dirty || (this.options.reloadEveryMs !== undefined && Date.now() - this.loadedAt >= this.options.reloadEveryMs)) await this.loadPlans();
    const position = await this.store.segmentEnginePosition();
    this.state.position = position;
    const changes = await this.store.readProfileChanges(position.changeId, CHANGE_PAGE);
    if (changes.length > 0) {
      await this.applyProfileChanges(position, changes);
      return 'changes';
    }
    const records = await this.store.readEventsAfter(position.eventSeq, this.options.batchSize ?? 2000);
    if (records.length > 0) {
      // An unmerge committed while the events were read may have moved some: read them again after applying it.
      const during = await this.store.readProfileChanges(position.changeId, CHANGE_PAGE);
      if (during.some((change) => change.kind === 'unmerge')) return 'retry';
      return (await this.applyEvents(position, records)) ? 'events' : 'retry';
    }
    const now = this.now();
    const due = await this.store.dueSegmentChecks(now, 500);
    if (due.length > 0) {
      await this.applyDueChecks(position, due, now);
      return 'due';
    }
    if (await this.computeStep(position)) return 'computation';
    return 'idle';
  }

  private async loadPlans(): Promise<void> {
    this.dirty = false;
    this.loadedAt = Date.now();
    const plans = new Map<string, WorkspacePlan>();
    for (const workspaceId of this.options.workspaceIds) {
      const [segments, traits] = await Promise.all([this.store.listSegments(workspaceId), this.store.listComputedTraits(workspaceId)]);
      const plan = compilePlan(
        segments.map((segment) => ({ id: segment.id, definition: segment.definition as SegmentDefinition })),
        traits.map((trait) => ({ id: trait.id, key: trait.key, definition: trait.definition as ComputedTraitDefinition })),
      );
      const traitKeys = new Set(plan.traits.map((trait) => trait.key));
      const answers = new Set([...plan.segments.map((segment) => segment.id), ...[...traitKeys].map((key) => `trait:${key}`)]);
      plans.set(workspaceId, { plan, segments, traits, answers, traitKeys });
    }
    this.plans = plans;
  }

  /** Merges fold the absorbed profile's accumulators into the survivor's; unmerges rebuild both sides from their events. */
  private async applyProfileChanges(position: SegmentEnginePosition, changes: ProfileChange[]): Promise<void> {
    const now = this.now();
    const ids = new Set<string>();
    for (const change of changes) {
      ids.add(change.profileId);
      ids.add(change.kind === 'merge' ? change.intoProfileId : change.fromProfileId);
    }
    const working = await this.load([...ids]);
    const out: NewMembershipChange[] = [];
    const dropped = new Set<string>();
    for (const change of changes) {
      const entry = this.plans.get(change.workspaceId);
      if (!entry) continue;
      if (change.kind === 'merge') {
        const absorbed = working.get(change.profileId) ?? blank(change.profileId, change.workspaceId);
        const survivor = working.get(change.intoProfileId) ?? blank(change.intoProfileId, change.workspaceId);
        working.set(survivor.profileId, survivor);
        const cause: MembershipCause = { kind: 'merge', mergeId: null };
        if (missingTrackers(entry.plan, absorbed.accumulators).length > 0 || missingTrackers(entry.plan, survivor.accumulators).length > 0) {
          // The absorbed profile's events live on the survivor now: its history has both sides.
          survivor.accumulators = {};
          await this.ensureBuilt(survivor, entry.plan, position.eventSeq, now);
        } else {
          for (const tracker of entry.plan.trackers.values()) {
            survivor.accumulators[tracker.key] = combine(absorbed.accumulators[tracker.key]!, survivor.accumulators[tracker.key]!);
          }
        }
        for (const [segmentId] of Object.entries(absorbed.members)) {
          out.push({ workspaceId: change.workspaceId, segmentId, profileId: absorbed.profileId, change: 'exited', at: now, cause });
        }
        absorbed.members = {};
        dropped.add(absorbed.profileId);
        working.delete(absorbed.profileId);
        dropped.delete(survivor.profileId);
        this.refresh(survivor, entry, now, { all: true }, cause, out);
      } else {
        const cause: MembershipCause = { kind: 'unmerge', mergeId: null };
        for (const id of [change.profileId, change.fromProfileId]) {
          const profile = working.get(id) ?? blank(id, change.workspaceId);
          working.set(id, profile);
          dropped.delete(id);
          profile.accumulators = {};
          await this.ensureBuilt(profile, entry.plan, position.eventSeq, now);
          this.refresh(profile, entry, now, { all: true }, cause, out);
        }
      }
    }
    const to = { eventSeq: position.eventSeq, changeId: changes[changes.length - 1]!.id };
    await this.commit(position, to, [...working.values()], [...dropped], out, now);
  }

  private async applyEvents(position: SegmentEnginePosition, records: EventRecord[]): Promise<boolean> {
    const now = this.now();
    const byProfile = new Map<string, EventRecord[]>();
    for (const record of records) {
      if (!record.profileId || !this.plans.has(record.workspaceId)) continue;
      let list = byProfile.get(record.profileId);
      if (!list) byProfile.set(record.profileId, (list = []));
      list.push(record);
    }
    const working = await this.load([...byProfile.keys()]);
    const out: NewMembershipChange[] = [];
    for (const [profileId, events] of byProfile) {
      const entry = this.plans.get(events[0]!.workspaceId)!;
      if (entry.plan.trackers.size === 0 && entry.plan.segments.length === 0) continue;
      const profile = working.get(profileId) ?? blank(profileId, events[0]!.workspaceId);
      working.set(profileId, profile);
      const fresh = await this.ensureBuilt(profile, entry.plan, position.eventSeq, now);
      for (const record of events) {
        const facts = factsOf(record);
        const touched = new Set<string>();
        for (const list of [entry.plan.byEvent.get(facts.event), entry.plan.anyEvent]) {
          for (const tracker of list ?? []) {
            if (!matches(tracker, facts)) continue;
            accumulate(profile.accumulators[tracker.key]!, tracker, facts, now);
            touched.add(tracker.key);
          }
        }
        const scope: Scope = fresh ? { all: true } : { trackers: touched, traitsChanged: facts.setsTraits };
        this.refresh(profile, entry, now, scope, { kind: 'event', messageId: facts.messageId, seq: facts.seq }, out);
      }
    }
    const to = { eventSeq: records[records.length - 1]!.seq, changeId: position.changeId };
    const committed = await this.commit(position, to, [...working.values()], [], out, now);
    if (committed) this.state.eventsEvaluated += records.length;
    return committed;
  }

  /** Re-evaluates what the scheduler has due: only the answers whose time came, and what depends on them. */
  private async applyDueChecks(position: SegmentEnginePosition, due: string[], now: number): Promise<void> {
    const working = await this.load(due);
    const out: NewMembershipChange[] = [];
    for (const profile of working.values()) {
      const entry = this.plans.get(profile.workspaceId);
      if (!entry) continue;
      const ids = new Set<string>();
      for (const [id, at] of Object.entries(profile.next)) if (at <= now) ids.add(id);
      // Definitions may have changed since the profile was last written: what is new is built first, and evaluated.
      const fresh = await this.ensureBuilt(profile, entry.plan, position.eventSeq, now);
      this.refresh(profile, entry, now, fresh ? { all: true } : { ids }, { kind: 'time' }, out);
    }
    // A profile with nothing left to check must not come back: its next time is rewritten either way.
    await this.commit(position, position, [...working.values()], [], out, now);
    this.state.timedChecks += working.size;
  }

  /** One batch of the background computation of new or edited segments and computed traits. */
  private async computeStep(position: SegmentEnginePosition): Promise<boolean> {
    const items: Computation['items'] = [];
    for (const [workspaceId, entry] of this.plans) {
      for (const segment of entry.segments) if (segment.progress.status === 'computing') items.push({ kind: 'segment', id: segment.id, revision: segment.revision, workspaceId });
      for (const trait of entry.traits) if (trait.progress.status === 'computing') items.push({ kind: 'computed-trait', id: trait.id, revision: trait.revision, workspaceId });
    }
    if (items.length === 0) {
      this.computation = null;
      return false;
    }
    const key = items.map((item) => `${item.kind}:${item.id}:${item.revision}`).sort().join(',');
    const workspaces = [...new Set(items.map((item) => item.workspaceId))];
    if (this.computation?.key !== key) {
      // New or edited definitions since the walk began: start over with all of them.
      let total = 0;
      for (const workspaceId of workspaces) total += await this.store.countLiveProfiles(workspaceId);
      this.computation = { key, items, workspaceIndex: 0, cursor: null, done: 0, total, startedAt: this.now() };
    }
    const computation = this.computation;
    const now = this.now();
    const workspaceId = workspaces[computation.workspaceIndex]!;
    const entry = this.plans.get(workspaceId)!;
    const ids = await this.store.listLiveProfileIds(workspaceId, computation.cursor, this.options.computationBatch ?? 500);
    const working = await this.load(ids);
    const out: NewMembershipChange[] = [];
    const scopeIds = new Set(items.filter((item) => item.workspaceId === workspaceId).map((item) => item.kind === 'segment' ? item.id : `trait:${traitKey(entry, item.id)}`));
    for (const id of ids) {
      const profile = working.get(id) ?? blank(id, workspaceId);
      working.set(id, profile);
      const fresh = await this.ensureBuilt(profile, entry.plan, position.eventSeq, now);
      this.refresh(profile, entry, now, fresh ? { all: true } : { ids: scopeIds }, { kind: 'computation' }, out);
    }
    computation.done += ids.length;
    computation.cursor = ids.length > 0 ? ids[ids.length - 1]! : computation.cursor;
    let finished = false;
    if (ids.length < (this.options.computationBatch ?? 500)) {
      computation.workspaceIndex += 1;
      computation.cursor = null;
      finished = computation.workspaceIndex >= workspaces.length;
    }
    const progress: ComputationProgress = finished
      ? { status: 'ready', done: computation.done, total: Math.max(computation.total, computation.done), startedAt: computation.startedAt, finishedAt: now }
      : { status: 'computing', done: computation.done, total: Math.max(computation.total, computation.done), startedAt: computation.startedAt, finishedAt: null };
    const committed = await this.store.commitSegments({
      from: position,
      to: position,
      states: [...working.values()].map((profile) => this.stateOf(profile)),
      dropped: [],
      changes: out,
      progress: items.map((item) => ({ kind: item.kind, id: item.id, revision: item.revision, progress })),
    });
    if (committed) this.published(out);
    if (finished) {
      this.computation = null;
      this.dirty = true;
    }
    return true;
  }

  /**
   * A dry run: evaluates a definition over up to `maxProfiles` live profiles, reading their stored state
   * and building what it lacks from their events; nothing is written. The segments and computed traits
   * it names are read as they are now.
   */
  async preview(workspaceId: string, definition: SegmentDefinition, options: { sample: number; maxProfiles: number }): Promise<{ size: number; evaluated: number; total: number; sample: string[] }> {
    const [segments, traits] = await Promise.all([this.store.listSegments(workspaceId), this.store.listComputedTraits(workspaceId)]);
    const plan = compilePlan(
      [...segments.map((segment) => ({ id: segment.id, definition: segment.definition as SegmentDefinition })), { id: '\u0000preview', definition }],
      traits.map((trait) => ({ id: trait.id, key: trait.key, definition: trait.definition as ComputedTraitDefinition })),
    );
    const segment = plan.segments.find((candidate) => candidate.id === '\u0000preview');
    const total = await this.store.countLiveProfiles(workspaceId);
    if (!segment) return { size: 0, evaluated: 0, total, sample: [] };
    const now = this.now();
    let cursor: string | null = null;
    let evaluated = 0;
    let size = 0;
    const sample: string[] = [];
    while (evaluated < options.maxProfiles) {
      const ids = await this.store.listLiveProfileIds(workspaceId, cursor, Math.min(500, options.maxProfiles - evaluated));
      if (ids.length === 0) break;
      const working = await this.load(ids);
      for (const id of ids) {
        const profile = working.get(id) ?? blank(id, workspaceId);
        const missing = missingTrackers(plan, profile.accumulators).filter((tracker) => segment.trackers.has(tracker.key));
        if (missing.length > 0) {
          const history = await this.history(workspaceId, id, Number.MAX_SAFE_INTEGER);
          for (const tracker of missing) profile.accumulators[tracker.key] = buildAccumulator(tracker, history, now);
        }
        const computed: Record<string, unknown> = {};
        for (const [key, value] of Object.entries(profile.computed)) computed[key] = value.value;
        if (evaluateSegment(segment, { traits: profile.traits, accumulators: profile.accumulators, computed, members: profile.members }, now).value) {
          size += 1;
          if (sample.length < options.sample) sample.push(id);
        }
      }
      evaluated += ids.length;
      cursor = ids[ids.length - 1]!;
    }
    return { size, evaluated, total, sample };
  }

  /** Builds, from the profile's stored events up to the engine's position, every tracker it lacks. True when any was built. */
  private async ensureBuilt(profile: Working, plan: Plan, uptoSeq: number, now: number): Promise<boolean> {
    const missing = missingTrackers(plan, profile.accumulators);
    if (missing.length === 0) return false;
    const history = await this.history(profile.workspaceId, profile.profileId, uptoSeq);
    for (const tracker of missing) profile.accumulators[tracker.key] = buildAccumulator(tracker, history, now);
    return true;
  }

  private async history(workspaceId: string, profileId: string, uptoSeq: number): Promise<EventFacts[]> {
    const facts: EventFacts[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.store.listProfileEvents({ workspaceId, profileId, limit: HISTORY_PAGE, ...(cursor ? { cursor } : {}) });
      for (const record of page.items) if (record.seq <= uptoSeq) facts.push(factsOf(record));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    return facts;
  }

  /**
   * Refreshes a profile's computed traits and segment memberships in `scope`, and whatever depends on
   * what changed (a segment naming a segment whose membership just changed, a segment reading a
   * computed trait whose value did). Membership changes go to `out` with their cause.
   */
  private refresh(profile: Working, entry: WorkspacePlan, now: number, scope: Scope, cause: MembershipCause, out: NewMembershipChange[]): void {
    const { plan } = entry;
    const changedKeys = new Set<string>();
    for (const trait of plan.traits) {
      const nextKey = `trait:${trait.key}`;
      if (!scope.all && !scope.trackers?.has(trait.tracker) && !scope.ids?.has(nextKey)) continue;
      const answer = computeTrait(trait, profile.accumulators, now);
      const known = profile.computed[trait.key];
      if (!known || known.value !== answer.value) changedKeys.add(trait.key);
      profile.computed[trait.key] = { value: answer.value, at: now };
      setNext(profile, nextKey, answer.next, now);
    }
    const changedSegments = new Set<string>();
    const computed: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(profile.computed)) computed[key] = value.value;
    for (const segment of plan.segments) {
      if (!scope.all && !affected(segment, scope, changedKeys, changedSegments)) continue;
      const answer = evaluateSegment(segment, { traits: profile.traits, accumulators: profile.accumulators, computed, members: profile.members }, now);
      setNext(profile, segment.id, answer.next, now);
      const was = profile.members[segment.id] !== undefined;
      if (answer.value === was) continue;
      if (answer.value) profile.members[segment.id] = now;
      else delete profile.members[segment.id];
      changedSegments.add(segment.id);
      out.push({ workspaceId: profile.workspaceId, segmentId: segment.id, profileId: profile.profileId, change: answer.value ? 'entered' : 'exited', at: now, cause });
    }
  }

  private async load(ids: string[]): Promise<Map<string, Working>> {
    const working = new Map<string, Working>();
    if (ids.length === 0) return working;
    const inputs = await this.store.loadSegmentInputs(ids);
    for (const input of inputs) working.set(input.profileId, workingOf(input, this.plans.get(input.workspaceId)?.plan));
    return working;
  }

  private stateOf(profile: Working): ProfileSegmentState {
    const entry = this.plans.get(profile.workspaceId);
    const now = this.now();
    const accumulators: Accumulators = {};
    if (entry) for (const [key, accumulator] of Object.entries(tidy(entry.plan, profile.accumulators, now))) if (accumulator.n > 0) accumulators[key] = accumulator;
    // Only answers that still exist keep a next time; the earliest is when the scheduler comes back.
    const next: Record<string, number> = {};
    let nextCheckAt: number | null = null;
    for (const [id, at] of Object.entries(profile.next)) {
      if (!entry?.answers.has(id)) continue;
      next[id] = at;
      nextCheckAt = earliest(nextCheckAt, at);
    }
    const computed: Record<string, { value: unknown; at: number }> = {};
    for (const [key, value] of Object.entries(profile.computed)) if (entry?.traitKeys.has(key)) computed[key] = value;
    const stored: StoredAccumulators = { t: accumulators, p: entry?.plan.fingerprint ?? '', n: next };
    return { profileId: profile.profileId, workspaceId: profile.workspaceId, accumulators: stored, computed, members: profile.members, nextCheckAt };
  }

  private async commit(from: SegmentEnginePosition, to: SegmentEnginePosition, profiles: Working[], dropped: string[], changes: NewMembershipChange[], now: number): Promise<boolean> {
    void now;
    const committed = await this.store.commitSegments({ from, to, states: profiles.map((profile) => this.stateOf(profile)), dropped, changes });
    if (committed) {
      this.state.position = to;
      this.published(changes);
    }
    return committed;
  }

  private published(changes: NewMembershipChange[]): void {
    this.state.membershipChanges += changes.length;
    if (changes.length > 0) this.options.onChanges?.(changes);
  }
}

function affected(segment: CompiledSegment, scope: Scope, changedKeys: Set<string>, changedSegments: Set<string>): boolean {
  if (scope.ids?.has(segment.id)) return true;
  if (scope.traitsChanged && segment.usesTraits) return true;
  for (const key of segment.trackers) if (scope.trackers?.has(key)) return true;
  for (const key of segment.computedKeys) if (changedKeys.has(key)) return true;
  for (const id of segment.segmentRefs) if (changedSegments.has(id)) return true;
  return false;
}

function setNext(profile: Working, id: string, at: number | null, now: number): void {
  if (at === null) delete profile.next[id];
  // Never due again at once: a check that found nothing to change must not spin.
  else profile.next[id] = Math.max(at, now + 1000);
}

function traitKey(entry: WorkspacePlan, id: string): string {
  return entry.traits.find((trait) => trait.id === id)?.key ?? id;
}

function blank(profileId: string, workspaceId: string): Working {
  return { profileId, workspaceId, traits: {}, accumulators: {}, next: {}, computed: {}, members: {} };
}

function workingOf(input: SegmentInput, plan: Plan | undefined): Working {
  const stored = (input.state?.accumulators ?? null) as StoredAccumulators | null;
  const accumulators = stored?.t ?? {};
  if (plan && stored?.p === plan.fingerprint) {
    for (const tracker of plan.trackers.values()) accumulators[tracker.key] ??= emptyAccumulator(tracker);
  }
  return {
    profileId: input.profileId,
    workspaceId: input.workspaceId,
    traits: input.traits,
    accumulators,
    next: stored?.n ?? {},
    computed: input.state?.computed ?? {},
    members: input.state?.members ?? {},
  };
}

/** The facts of a stored event that segments read. */
export function factsOf(record: EventRecord): EventFacts {
  return {
    seq: record.seq,
    messageId: record.messageId,
    ts: record.timestamp,
    event: analyticsEventName(record.type, record.event),
    channel: record.channel,
    touchpoint: record.touchpoint,
    department: record.department,
    properties: analyticsProperties(record.payload),
    setsTraits: analyticsTraits(record.payload) !== null,
  };
}
