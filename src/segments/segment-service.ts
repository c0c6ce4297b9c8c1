import { CentricError } from '../core/errors.ts';
import type { SegmentDefinition } from '../core/segments/segment-definition.ts';
import { checkComputedTraitDefinition, checkSegmentDefinition, computedKeysOf, segmentRefs, type DefinitionContext } from '../core/segments/segment-validation.ts';
import type { Page, ProfileSummary, StateStore } from '../stores/ports.ts';
import type { ComputedTraitInputBody, ComputedTraitView, SegmentApi, SegmentInputBody, SegmentPreview, SegmentView } from './segment-api.ts';
import type { SegmentEngine } from './segment-engine.ts';

/** What the service needs of the engine: to be told definitions changed, and dry runs (which may run on an engine that is never started). */
export type SegmentEngineControl = Pick<SegmentEngine, 'reload' | 'preview'>;
import type { ComputationProgress, MembershipChange, SegmentPatch } from './segment-port.ts';

/** The computed traits a new workspace starts with. */
export const DEFAULT_COMPUTED_TRAITS: ComputedTraitInputBody[] = [
  { key: 'preferred_channel', name: 'Preferred channel', description: 'The channel of most of the customer\'s events', definition: { version: 1, aggregate: 'most_frequent', field: 'channel' } },
  { key: 'lifetime_value', name: 'Lifetime value', description: 'Sum of the revenue property over all events', definition: { version: 1, aggregate: 'sum', property: 'revenue' } },
  { key: 'last_touchpoint', name: 'Last touchpoint', description: 'Where the customer was last in touch', definition: { version: 1, aggregate: 'last', field: 'touchpoint' } },
  { key: 'days_since_last_interaction', name: 'Days since last interaction', description: 'Whole days since the customer\'s latest event', definition: { version: 1, aggregate: 'days_since_last' } },
];

const KEY_PATTERN = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;

/**
 * Segments and computed traits for one workspace: definitions are checked here (with the field that is
 * wrong), stored through the state store, and the engine is told to read them again.
 */
export class SegmentService implements SegmentApi {
  private readonly store: StateStore;
  private readonly workspaceId: string;
  private readonly engine: SegmentEngineControl;

  constructor(store: StateStore, workspaceId: string, engine: SegmentEngineControl) {
    this.store = store;
    this.workspaceId = workspaceId;
    this.engine = engine;
  }

  /**
   * Creates the default computed traits in a workspace that has neither segments nor computed traits
   * yet. Several nodes may start together: a default another one created first is simply there.
   */
  async installDefaults(): Promise<void> {
    const [segments, traits] = await Promise.all([this.store.listSegments(this.workspaceId), this.store.listComputedTraits(this.workspaceId)]);
    if (segments.length > 0 || traits.length > 0) return;
    for (const trait of DEFAULT_COMPUTED_TRAITS) {
      try {
        await this.createComputedTrait(trait);
      } catch (error) {
        if (!(error instanceof CentricError && error.code === 'CENTRIC_ERR_COMPUTED_TRAIT_KEY_TAKEN')) throw error;
      }
    }
  }

  async listSegments(): Promise<SegmentView[]> {
    const segments = await this.store.listSegments(this.workspaceId);
    return Promise.all(segments.map(async (segment) => ({ ...segment, size: await this.store.countSegmentMembers(this.workspaceId, segment.id) })));
  }

  async getSegment(id: string): Promise<SegmentView> {
    const segment = await this.store.getSegment(this.workspaceId, id);
    if (!segment) throw notFound(id);
    return { ...segment, size: await this.store.countSegmentMembers(this.workspaceId, id) };
  }

  async createSegment(input: SegmentInputBody): Promise<SegmentView> {
    checkName(input.name, 'CENTRIC_ERR_SEGMENT_INVALID_DEFINITION');
    const definition = checkSegmentDefinition(input.definition, await this.context());
    const segment = await this.store.createSegment({ workspaceId: this.workspaceId, name: input.name, description: input.description ?? null, definition });
    this.engine.reload();
    return { ...segment, size: 0 };
  }

  async updateSegment(id: string, patch: Partial<SegmentInputBody>): Promise<SegmentView> {
    if (patch.name !== undefined) checkName(patch.name, 'CENTRIC_ERR_SEGMENT_INVALID_DEFINITION');
    const definition = patch.definition === undefined ? undefined : checkSegmentDefinition(patch.definition, await this.context(id));
    const segment = await this.store.updateSegment(this.workspaceId, id, storePatch(patch, definition));
    if (!segment) throw notFound(id);
    if (definition) this.engine.reload();
    return { ...segment, size: await this.store.countSegmentMembers(this.workspaceId, id) };
  }

  async deleteSegment(id: string): Promise<void> {
    const segments = await this.store.listSegments(this.workspaceId);
    const users = segments.filter((segment) => segment.id !== id && segmentRefs(segment.definition as SegmentDefinition).has(id));
    if (users.length > 0) {
      throw new CentricError('CENTRIC_ERR_SEGMENT_IN_USE', `segment ${id} is named in the conditions of ${users.map((segment) => JSON.stringify(segment.name)).join(', ')}; change those first`);
    }
    if (!(await this.store.deleteSegment(this.workspaceId, id))) throw notFound(id);
    this.engine.reload();
  }

  async previewSegment(input: unknown, options: { sample: number; maxProfiles: number }): Promise<SegmentPreview> {
    const definition = checkSegmentDefinition(input, await this.context());
    const result = await this.engine.preview(this.workspaceId, definition, options);
    const estimated = result.evaluated < result.total;
    const names = await this.names(result.sample);
    return {
      size: result.size,
      profilesEvaluated: result.evaluated,
      profilesTotal: result.total,
      estimated,
      estimatedSize: estimated && result.evaluated > 0 ? Math.round((result.size / result.evaluated) * result.total) : result.size,
      sample: result.sample.map((profileId) => ({ profileId, displayName: names.get(profileId)?.displayName ?? null })),
    };
  }

  async listMembers(id: string, cursor: string | undefined, limit: number) {
    await this.getSegment(id);
    const page = await this.store.listSegmentMembers({ workspaceId: this.workspaceId, segmentId: id, limit, ...(cursor ? { cursor } : {}) });
    const names = await this.names(page.items.map((item) => item.profileId));
    return { items: page.items.map((item) => ({ ...item, displayName: names.get(item.profileId)?.displayName ?? null })), nextCursor: page.nextCursor };
  }

  async *exportMembers(id: string) {
    await this.getSegment(id);
    let cursor: string | undefined;
    do {
      const page = await this.store.listSegmentMembers({ workspaceId: this.workspaceId, segmentId: id, limit: 500, ...(cursor ? { cursor } : {}) });
      const names = await this.names(page.items.map((item) => item.profileId));
      for (const item of page.items) {
        const known = names.get(item.profileId);
        yield { ...item, displayName: known?.displayName ?? null, email: known?.email ?? null, userId: known?.userId ?? null };
      }
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
  }

  async history(filter: { segmentId?: string; profileId?: string; cursor?: string; limit: number }): Promise<Page<MembershipChange>> {
    if (filter.segmentId) await this.getSegment(filter.segmentId);
    const profileId = filter.profileId ? await this.liveProfileId(filter.profileId) : undefined;
    return this.store.membershipHistory({ workspaceId: this.workspaceId, ...filter, ...(profileId ? { profileId } : {}) });
  }

  async progress(id: string): Promise<ComputationProgress> {
    return (await this.getSegment(id)).progress;
  }

  async listComputedTraits(): Promise<ComputedTraitView[]> {
    return this.store.listComputedTraits(this.workspaceId);
  }

  async getComputedTrait(id: string): Promise<ComputedTraitView> {
    const trait = await this.store.getComputedTrait(this.workspaceId, id);
    if (!trait) throw traitNotFound(id);
    return trait;
  }

  async createComputedTrait(input: ComputedTraitInputBody): Promise<ComputedTraitView> {
    checkName(input.name, 'CENTRIC_ERR_COMPUTED_TRAIT_INVALID_DEFINITION');
    checkKey(input.key);
    const definition = checkComputedTraitDefinition(input.definition);
    const trait = await this.store.createComputedTrait({ workspaceId: this.workspaceId, key: input.key, name: input.name, description: input.description ?? null, definition });
    this.engine.reload();
    return trait;
  }

  async updateComputedTrait(id: string, patch: Partial<ComputedTraitInputBody>): Promise<ComputedTraitView> {
    if (patch.name !== undefined) checkName(patch.name, 'CENTRIC_ERR_COMPUTED_TRAIT_INVALID_DEFINITION');
    if (patch.key !== undefined) {
      const current = await this.getComputedTrait(id);
      if (patch.key !== current.key) {
        throw new CentricError('CENTRIC_ERR_COMPUTED_TRAIT_INVALID_DEFINITION', 'key: a computed trait keeps its key (segments and profiles refer to it); create a new one instead', { field: 'key' });
      }
    }
    const definition = patch.definition === undefined ? undefined : checkComputedTraitDefinition(patch.definition);
    const trait = await this.store.updateComputedTrait(this.workspaceId, id, storePatch(patch, definition));
    if (!trait) throw traitNotFound(id);
    if (definition) this.engine.reload();
    return trait;
  }

  async deleteComputedTrait(id: string): Promise<void> {
    const trait = await this.getComputedTrait(id);
    const segments = await this.store.listSegments(this.workspaceId);
    const users = segments.filter((segment) => computedKeysOf(segment.definition as SegmentDefinition).has(trait.key));
    if (users.length > 0) {
      throw new CentricError('CENTRIC_ERR_COMPUTED_TRAIT_IN_USE', `computed trait ${trait.key} is read by ${users.map((segment) => JSON.stringify(segment.name)).join(', ')}; change those first`);
    }
    await this.store.deleteComputedTrait(this.workspaceId, id);
    this.engine.reload();
  }

  async profileSegments(profileId: string) {
    const live = await this.liveProfileId(profileId);
    const [inputs, segments] = await Promise.all([this.store.loadSegmentInputs([live]), this.store.listSegments(this.workspaceId)]);
    const members = inputs[0]?.state?.members ?? {};
    return segments
      .filter((segment) => members[segment.id] !== undefined)
      .map((segment) => ({ segmentId: segment.id, name: segment.name, enteredAt: members[segment.id]! }));
  }

  async profileComputedTraits(profileId: string) {
    const live = await this.liveProfileId(profileId);
    const [inputs, traits] = await Promise.all([this.store.loadSegmentInputs([live]), this.store.listComputedTraits(this.workspaceId)]);
    // A deleted trait's value stays in the state until the profile is next written: it is not shown.
    const keys = new Set(traits.map((trait) => trait.key));
    return Object.fromEntries(Object.entries(inputs[0]?.state?.computed ?? {}).filter(([key]) => keys.has(key)));
  }

  private async liveProfileId(id: string): Promise<string> {
    const found = await this.store.getProfile(this.workspaceId, id);
    if (!found) throw new CentricError('CENTRIC_ERR_PROFILE_NOT_FOUND', `no profile with id ${id}`);
    return found.profile.id;
  }

  private async context(selfId?: string): Promise<DefinitionContext> {
    const [segments, traits] = await Promise.all([this.store.listSegments(this.workspaceId), this.store.listComputedTraits(this.workspaceId)]);
    return {
      segments: new Map(segments.map((segment) => [segment.id, segmentRefs(segment.definition as SegmentDefinition)])),
      computedKeys: new Set(traits.map((trait) => trait.key)),
      ...(selfId ? { selfId } : {}),
    };
  }

  /** Display name, email and user id of profiles, for member lists and exports: one read per page. */
  private async names(ids: string[]): Promise<Map<string, ProfileSummary>> {
    return new Map((await this.store.profileSummaries(this.workspaceId, ids)).map((summary) => [summary.id, summary]));
  }

}

/** What an edit changes: the fields given, with the definition as checked. */
function storePatch(patch: Partial<SegmentInputBody>, definition: unknown): SegmentPatch {
  return {
    ...(patch.name !== undefined ? { name: patch.name } : {}),
    ...(patch.description !== undefined ? { description: patch.description } : {}),
    ...(definition !== undefined ? { definition } : {}),
  };
}

function notFound(id: string): CentricError {
  return new CentricError('CENTRIC_ERR_SEGMENT_NOT_FOUND', `no segment with id ${id}`);
}

function traitNotFound(id: string): CentricError {
  return new CentricError('CENTRIC_ERR_COMPUTED_TRAIT_NOT_FOUND', `no computed trait with id ${id}`);
}

function checkName(name: string, code: 'CENTRIC_ERR_SEGMENT_INVALID_DEFINITION' | 'CENTRIC_ERR_COMPUTED_TRAIT_INVALID_DEFINITION'): void {
  if (typeof name !== 'string' || name.trim().length === 0 || name.length > 200) throw new CentricError(code, 'name: must be 1 to 200 characters', { field: 'name' });
}

function checkKey(key: string): void {
  if (typeof key !== 'string' || !KEY_PATTERN.test(key)) {
    throw new CentricError('CENTRIC_ERR_COMPUTED_TRAIT_INVALID_DEFINITION', 'key: must start with a letter and hold only letters, digits and _ (at most 64)', { field: 'key' });
  }
}
