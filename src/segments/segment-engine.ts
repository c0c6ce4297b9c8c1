import { analyticsEventName, analyticsProperties, analyticsTraits } from '../core/analytics/analytics-model.ts';
import type { ComputedTraitDefinition, SegmentDefinition } from '../core/segments/segment-definition.ts';
import {
  compilePlan, computeTrait, earliest, evaluateSegment, missingTrackers, tidy, type CompiledSegment, type Plan, type ProfileView,
} from '../core/segments/segment-plan.ts';
import { accumulate, buildAccumulator, emptyAccumulator, matches, type Accumulators, type EventFacts } from '../core/segments/trackers.ts';
import { BackgroundLoop } from '../core/background-loop.ts';
import type { EventRecord, ProfileChange, StateStore } from '../stores/ports.ts';
import type {
  ComputationProgress, ComputedTraitRecord, MembershipCause, NewMembershipChange, ProfileSegmentState, SegmentCommit, SegmentEnginePosition,
  SegmentInput, SegmentRecord, SegmentStore,
} from './segment-port.ts';

/** What the engine reads and writes: the state store's feeds, a profile's history, and the segment tables. */
export type SegmentEngineStore = Pick<StateStore, 'readEventsAfter' | 'readProfileChanges' | 'listEventsOfProfiles'> & SegmentStore;

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
 * (most trackers never match a given customer, and are left out) and the plan they were built under.
 */
interface StoredAccumulators {
  t: Accumulators;
  /** The plan fingerprint: when it is still the current one, every tracker left out of `t` is built and empty. */
  p: string;
}

/** A profile being worked on in one step. */
interface Working {
  profileId: string;
  workspaceId: string;
  traits: Record<string, unknown>;
  accumulators: Accumulators;
  /**
   * When the scheduler should look at the profile again. An event's evaluation can only bring it
   * forward (answers it did not evaluate keep theirs); a due check evaluates every answer that depends
   * on time and sets it exactly.
   */
  nextCheckAt: number | null;
  computed: Record<string, { value: unknown; at: number }>;
  members: Record<string, number>;
  /** Something to write: counts, values, memberships or the next check changed. */
  changed: boolean;
}

interface WorkspacePlan {
  plan: Plan;
  segments: SegmentRecord[];
  traits: ComputedTraitRecord[];
  traitKeys: Set<string>;
}

/** Which answers of a profile to refresh (and, in any case, whatever depends on an answer that changed). */
interface Scope {
  all?: boolean;
  /** Trackers an event updated. */
  trackers?: Set<string>;
  /** The event set traits on the profile. */
  traitsChanged?: boolean;
  /** Segments and computed traits (by key) being computed in the background. */
  segmentIds?: Set<string>;
  traitKeys?: Set<string>;
  /** Every answer that depends on time (a due check). */
  timed?: boolean;
}

interface Computation {
  key: string;
  items: Array<{ kind: 'segment' | 'computed-trait'; id: string; revision: number; workspaceId: string; key?: string }>;
  workspaceIndex: number;
  cursor: string | null;
  done: number;
  total: number;
  startedAt: number;
}

type StepOutcome = 'changes' | 'events' | 'retry' | 'due' | 'computation' | 'idle';

const CHANGE_PAGE = 500;

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
  private steps = 0;
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
    // A steady stream of events must not starve time-based exits and background computations: every
    // tenth step gives them the first turn.
    if (++this.steps % 10 === 0) {
      const turn = await this.timeAndComputationStep(position);
      if (turn !== 'idle') return turn;
    }
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
    return this.timeAndComputationStep(position);
  }

  private async timeAndComputationStep(position: SegmentEnginePosition): Promise<StepOutcome> {
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
      plans.set(workspaceId, { plan, segments, traits, traitKeys: new Set(plan.traits.map((trait) => trait.key)) });
    }
    this.plans = plans;
  }

  /** A merge takes the absorbed profile out of its segments and rebuilds the survivor from the events it holds; an unmerge rebuilds both sides. */
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
    // Profiles whose counts are rebuilt from the events they hold now, then evaluated, with their cause.
    const rebuild = new Map<string, MembershipCause>();
    for (const change of changes) {
      const entry = this.plans.get(change.workspaceId);
      if (!entry) continue;
      if (change.kind === 'merge') {
        const absorbed = working.get(change.profileId) ?? blank(change.profileId, change.workspaceId);
        const survivor = working.get(change.intoProfileId) ?? blank(change.intoProfileId, change.workspaceId);
        working.set(survivor.profileId, survivor);
        const cause: MembershipCause = { kind: 'merge', mergeId: null };
        for (const segmentId of Object.keys(absorbed.members)) {
          out.push({ workspaceId: change.workspaceId, segmentId, profileId: absorbed.profileId, change: 'exited', at: now, cause });
        }
        absorbed.members = {};
        dropped.add(absorbed.profileId);
        working.delete(absorbed.profileId);
        rebuild.delete(absorbed.profileId);
        dropped.delete(survivor.profileId);
        rebuild.set(survivor.profileId, cause);
      } else {
        for (const id of [change.profileId, change.fromProfileId]) {
          working.set(id, working.get(id) ?? blank(id, change.workspaceId));
          dropped.delete(id);
          rebuild.set(id, { kind: 'unmerge', mergeId: null });
        }
      }
    }
    // Rebuilt rather than added together: a profile's events may already include those of merges not
    // applied here yet (or a history read of it may have), and reading what it holds now counts each once.
    for (const [workspaceId, entry] of this.plans) {
      const profiles = [...rebuild.keys()].map((id) => working.get(id)!).filter((profile) => profile.workspaceId === workspaceId);
      for (const profile of profiles) profile.accumulators = {};
      await this.ensureBuilt(profiles, entry.plan, position.eventSeq, now);
      for (const profile of profiles) this.refresh(profile, entry, now, { all: true }, rebuild.get(profile.profileId)!, out);
    }
    const to = { eventSeq: position.eventSeq, changeId: changes[changes.length - 1]!.id };
    await this.commit(position, to, [...working.values()], [...dropped], out);
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
    const fresh = new Set<string>();
    for (const [workspaceId, entry] of this.plans) {
      const profiles: Working[] = [];
      for (const [profileId, events] of byProfile) {
        if (events[0]!.workspaceId !== workspaceId) continue;
        const profile = working.get(profileId) ?? blank(profileId, workspaceId);
        working.set(profileId, profile);
        profiles.push(profile);
      }
      for (const profile of await this.ensureBuilt(profiles, entry.plan, position.eventSeq, now)) fresh.add(profile.profileId);
    }
    for (const [profileId, events] of byProfile) {
      const entry = this.plans.get(events[0]!.workspaceId)!;
      const profile = working.get(profileId)!;
      for (const record of events) {
        const facts = factsOf(record);
        const touched = new Set<string>();
        for (const list of [entry.plan.byEvent.get(facts.event), entry.plan.anyEvent]) {
          for (const tracker of list ?? []) {
            if (!matches(tracker, facts)) continue;
            accumulate(profile.accumulators[tracker.key]!, tracker, facts, now);
            touched.add(tracker.key);
            profile.changed = true;
          }
        }
        const scope: Scope = fresh.has(profileId) ? { all: true } : { trackers: touched, traitsChanged: facts.setsTraits };
        this.refresh(profile, entry, now, scope, { kind: 'event', messageId: facts.messageId, seq: facts.seq }, out);
      }
    }
    const to = { eventSeq: records[records.length - 1]!.seq, changeId: position.changeId };
    const committed = await this.commit(position, to, [...working.values()], [], out);
    if (committed) this.state.eventsEvaluated += records.length;
    return committed;
  }

  /** Re-evaluates what the scheduler has due: only the answers whose time came, and what depends on them. */
  private async applyDueChecks(position: SegmentEnginePosition, due: string[], now: number): Promise<void> {
    const working = await this.load(due);
    const out: NewMembershipChange[] = [];
    for (const [workspaceId, entry] of this.plans) {
      const profiles = [...working.values()].filter((profile) => profile.workspaceId === workspaceId);
      // Definitions may have changed since a profile was last written: what is new is built first, and evaluated.
      const fresh = new Set(await this.ensureBuilt(profiles, entry.plan, position.eventSeq, now));
      for (const profile of profiles) this.refresh(profile, entry, now, fresh.has(profile) ? { all: true } : { timed: true }, { kind: 'time' }, out);
    }
    // Every due profile is written: its next check moves on (or goes) even when nothing else changed.
    for (const profile of working.values()) profile.changed = true;
    // A state whose profile no longer exists (profiles rebuilt) would be due for ever: it goes.
    const orphans = due.filter((id) => !working.has(id));
    await this.commit(position, position, [...working.values()], orphans, out);
    this.state.timedChecks += working.size;
  }

  /** One batch of the background computation of new or edited segments and computed traits. */
  private async computeStep(position: SegmentEnginePosition): Promise<boolean> {
    const items: Computation['items'] = [];
    for (const [workspaceId, entry] of this.plans) {
      for (const segment of entry.segments) if (segment.progress.status === 'computing') items.push({ kind: 'segment', id: segment.id, revision: segment.revision, workspaceId });
      for (const trait of entry.traits) if (trait.progress.status === 'computing') items.push({ kind: 'computed-trait', id: trait.id, revision: trait.revision, workspaceId, key: trait.key });
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
    const here = items.filter((item) => item.workspaceId === workspaceId);
    const scope: Scope = {
      segmentIds: new Set(here.filter((item) => item.kind === 'segment').map((item) => item.id)),
      traitKeys: new Set(here.flatMap((item) => (item.key === undefined ? [] : [item.key]))),
    };
    const profiles = ids.map((id) => working.get(id) ?? blank(id, workspaceId));
    const fresh = new Set(await this.ensureBuilt(profiles, entry.plan, position.eventSeq, now));
    for (const profile of profiles) {
      working.set(profile.profileId, profile);
      this.refresh(profile, entry, now, fresh.has(profile) ? { all: true } : scope, { kind: 'computation' }, out);
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
    await this.commit(position, position, [...working.values()], [], out, items.map((item) => ({ kind: item.kind, id: item.id, revision: item.revision, progress })));
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
    const specs = segments.map((segment) => ({ id: segment.id, definition: segment.definition as SegmentDefinition }));
    const traitSpecs = traits.map((trait) => ({ id: trait.id, key: trait.key, definition: trait.definition as ComputedTraitDefinition }));
    // The stored states were written under the plan of the saved definitions: that plan says what they hold.
    const stored = compilePlan(specs, traitSpecs);
    const plan = compilePlan([...specs, { id: '\u0000preview', definition }], traitSpecs);
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
      const inputs = new Map((await this.store.loadSegmentInputs(ids)).map((input) => [input.profileId, workingOf(input, stored)]));
      const profiles = ids.map((id) => inputs.get(id) ?? blank(id, workspaceId));
      // Only what this definition reads is built, from every event stored so far.
      await this.ensureBuilt(profiles, { ...plan, trackers: new Map([...plan.trackers].filter(([key]) => segment.trackers.has(key))) }, Number.MAX_SAFE_INTEGER, now);
      for (const profile of profiles) {
        if (evaluateSegment(segment, viewOf(profile), now).value) {
          size += 1;
          if (sample.length < options.sample) sample.push(profile.profileId);
        }
      }
      evaluated += ids.length;
      cursor = ids[ids.length - 1]!;
    }
    return { size, evaluated, total, sample };
  }

  /**
   * Builds every tracker the profiles lack from their stored events up to the engine's position, with
   * one read for all of them; returns the profiles that needed it (their answers must all be evaluated).
   */
  private async ensureBuilt(profiles: Working[], plan: Plan, uptoSeq: number, now: number): Promise<Working[]> {
    const needing = profiles.map((profile) => ({ profile, missing: missingTrackers(plan, profile.accumulators) })).filter((entry) => entry.missing.length > 0);
    if (needing.length === 0) return [];
    const history = new Map<string, EventFacts[]>();
    const records = await this.store.listEventsOfProfiles(needing[0]!.profile.workspaceId, needing.map((entry) => entry.profile.profileId), uptoSeq);
    for (const record of records) {
      let list = history.get(record.profileId!);
      if (!list) history.set(record.profileId!, (list = []));
      list.push(factsOf(record));
    }
    for (const { profile, missing } of needing) {
      for (const tracker of missing) profile.accumulators[tracker.key] = buildAccumulator(tracker, history.get(profile.profileId) ?? [], now);
      profile.changed = true;
    }
    return needing.map((entry) => entry.profile);
  }

  /**
   * Refreshes a profile's computed traits and segment memberships in `scope`, and whatever depends on
   * what changed (a segment naming a segment whose membership just changed, a segment reading a
   * computed trait whose value did). Membership changes go to `out` with their cause.
   */
  private refresh(profile: Working, entry: WorkspacePlan, now: number, scope: Scope, cause: MembershipCause, out: NewMembershipChange[]): void {
    const { plan } = entry;
    // Evaluating every answer that depends on time finds the next check exactly; anything less only brings it forward.
    if (scope.all || scope.timed) profile.nextCheckAt = null;
    const changedKeys = new Set<string>();
    for (const trait of plan.traits) {
      if (!scope.all && !(scope.timed && trait.timeDependent) && !scope.trackers?.has(trait.tracker) && !scope.traitKeys?.has(trait.key)) continue;
      const answer = computeTrait(trait, profile.accumulators, now);
      const known = profile.computed[trait.key];
      // `at` is when the value became what it is: recomputing the same value changes nothing.
      if (!known || known.value !== answer.value) {
        changedKeys.add(trait.key);
        profile.computed[trait.key] = { value: answer.value, at: now };
        profile.changed = true;
      }
      setNext(profile, answer.next, now);
    }
    const changedSegments = new Set<string>();
    const view = viewOf(profile);
    for (const segment of plan.segments) {
      if (!scope.all && !(scope.timed && segment.timeDependent) && !affected(segment, scope, changedKeys, changedSegments)) continue;
      const answer = evaluateSegment(segment, view, now);
      setNext(profile, answer.next, now);
      const was = profile.members[segment.id] !== undefined;
      if (answer.value === was) continue;
      profile.changed = true;
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
    const computed: Record<string, { value: unknown; at: number }> = {};
    for (const [key, value] of Object.entries(profile.computed)) if (entry?.traitKeys.has(key)) computed[key] = value;
    const stored: StoredAccumulators = { t: accumulators, p: entry?.plan.fingerprint ?? '' };
    return { profileId: profile.profileId, workspaceId: profile.workspaceId, accumulators: stored, computed, members: profile.members, nextCheckAt: profile.nextCheckAt };
  }

  /** Writes the profiles that changed, the dropped ones, the membership changes and the position (and progress) in one commit. */
  private async commit(
    from: SegmentEnginePosition, to: SegmentEnginePosition, profiles: Working[], dropped: string[], changes: NewMembershipChange[], progress?: SegmentCommit['progress'],
  ): Promise<boolean> {
    const states = profiles.filter((profile) => profile.changed).map((profile) => this.stateOf(profile));
    const committed = await this.store.commitSegments({ from, to, states, dropped, changes: this.stamped(changes), ...(progress ? { progress } : {}) });
    if (committed) {
      this.state.position = to;
      this.published(changes);
    }
    return committed;
  }

  /** Membership changes carry the moment they are committed (what latency is measured to), not when the step began. */
  private stamped(changes: NewMembershipChange[]): NewMembershipChange[] {
    if (changes.length === 0) return changes;
    const at = this.now();
    for (const change of changes) change.at = at;
    return changes;
  }

  private published(changes: NewMembershipChange[]): void {
    this.state.membershipChanges += changes.length;
    if (changes.length > 0) this.options.onChanges?.(changes);
  }
}

function affected(segment: CompiledSegment, scope: Scope, changedKeys: Set<string>, changedSegments: Set<string>): boolean {
  if (scope.segmentIds?.has(segment.id)) return true;
  if (scope.traitsChanged && segment.usesTraits) return true;
  for (const key of segment.trackers) if (scope.trackers?.has(key)) return true;
  for (const key of segment.computedKeys) if (changedKeys.has(key)) return true;
  for (const id of segment.segmentRefs) if (changedSegments.has(id)) return true;
  return false;
}

function setNext(profile: Working, at: number | null, now: number): void {
  if (at === null) return;
  // Never due again at once: a check that found nothing to change must not spin.
  const next = earliest(profile.nextCheckAt, Math.max(at, now + 1000));
  if (next !== profile.nextCheckAt) {
    profile.nextCheckAt = next;
    profile.changed = true;
  }
}

/** The profile as segment conditions read it; members is the live record, so a segment sees those decided before it. */
function viewOf(profile: Working): ProfileView {
  const computed: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(profile.computed)) computed[key] = value.value;
  return { traits: profile.traits, accumulators: profile.accumulators, computed, members: profile.members };
}

function blank(profileId: string, workspaceId: string): Working {
  return { profileId, workspaceId, traits: {}, accumulators: {}, nextCheckAt: null, computed: {}, members: {}, changed: false };
}

function workingOf(input: SegmentInput, plan: Plan | undefined): Working {
  const stored = (input.state?.accumulators ?? null) as StoredAccumulators | null;
  const accumulators = stored?.t ?? {};
  const current = plan !== undefined && stored?.p === plan.fingerprint;
  if (current) {
    for (const tracker of plan.trackers.values()) accumulators[tracker.key] ??= emptyAccumulator(tracker);
  }
  return {
    profileId: input.profileId,
    workspaceId: input.workspaceId,
    traits: input.traits,
    accumulators,
    nextCheckAt: input.state?.nextCheckAt ?? null,
    computed: input.state?.computed ?? {},
    members: input.state?.members ?? {},
    // Written under another plan: written again under this one, whatever else happens, so that the
    // fingerprint it carries never vouches for trackers it did not keep up.
    changed: input.state !== null && !current,
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
