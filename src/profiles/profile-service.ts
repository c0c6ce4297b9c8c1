import { CentricError } from '../core/errors.ts';
import { BUILT_IN_TYPES, type IdentityRules } from '../core/identity-rules.ts';
import { normaliseIdentifier } from '../identity/identifiers.ts';
import type { UnmergeResult } from '../identity/unmerge.ts';
import type { EventRecord, Page, ProfileEventFilter, ProfileHit, ProfileView, StateStore } from '../stores/ports.ts';

/** The 360° view: finding a customer by any identifier, their profile, timeline and merges. */
export class ProfileService {
  private readonly store: StateStore;
  private readonly workspaceId: string;
  private readonly onRulesChanged: () => void;

  /** `onRulesChanged` tells other connections (the processing thread) to read the rules again. */
  constructor(store: StateStore, workspaceId: string, onRulesChanged: () => void = () => undefined) {
    this.store = store;
    this.workspaceId = workspaceId;
    this.onRulesChanged = onRulesChanged;
  }

  /** Finds a customer by an identifier written any common way: it is normalised as at ingest. */
  async lookup(type: string, value: string): Promise<{ profile: ProfileView; mergedFrom: string | null }> {
    const rules = this.store.identityRules();
    const cleanType = type.trim().toLowerCase();
    if (!rules.types[cleanType]) {
      throw new CentricError('CENTRIC_ERR_IDENTITY_INVALID_IDENTIFIER', `identifier type "${type}" is not declared; known types: ${Object.keys(rules.types).join(', ')}`);
    }
    const normalised = normaliseIdentifier(cleanType, value, rules);
    if (!normalised.ok) throw new CentricError('CENTRIC_ERR_IDENTITY_INVALID_IDENTIFIER', `value ${normalised.reason}`);
    const profileId = await this.store.findProfileByIdentifier(this.workspaceId, { type: cleanType, value: normalised.value });
    if (!profileId) throw new CentricError('CENTRIC_ERR_PROFILE_NOT_FOUND', `no customer has ${cleanType} "${normalised.value}"`);
    return this.get(profileId);
  }

  async get(id: string): Promise<{ profile: ProfileView; mergedFrom: string | null }> {
    const found = await this.store.getProfile(this.workspaceId, id);
    if (!found) throw new CentricError('CENTRIC_ERR_PROFILE_NOT_FOUND', `no profile with id "${id}"`);
    return found;
  }

  async events(id: string, filter: Omit<ProfileEventFilter, 'workspaceId' | 'profileId'>): Promise<{ profileId: string; page: Page<EventRecord> }> {
    const { profile } = await this.get(id);
    return { profileId: profile.id, page: await this.store.listProfileEvents({ ...filter, workspaceId: this.workspaceId, profileId: profile.id }) };
  }

  /** Searches names, emails, phone numbers in any format and identifier prefixes. */
  search(query: string, limit: number): Promise<ProfileHit[]> {
    const text = query.trim();
    const rules = this.store.identityRules();
    const phone = /\d{4}/.test(text) ? normaliseIdentifier('phone', text, rules) : null;
    return this.store.searchProfiles({ workspaceId: this.workspaceId, text, phone: phone?.ok ? phone.value : null, limit });
  }

  async unmerge(id: string, mergeId: number): Promise<UnmergeResult> {
    await this.get(id);
    return this.store.unmerge(this.workspaceId, id, mergeId);
  }

  rules(): IdentityRules {
    return this.store.identityRules();
  }

  async setRules(rules: IdentityRules): Promise<IdentityRules> {
    for (const type of BUILT_IN_TYPES) {
      if (!rules.types[type]) throw new CentricError('CENTRIC_ERR_REQUEST_INVALID_BODY', `field "types.${type}" is required: it is a built-in identifier type`);
    }
    const clean = { ...rules, blockedValues: [...new Set(rules.blockedValues.map((value) => value.trim().toLowerCase()))] };
    await this.store.setIdentityRules(this.workspaceId, clean);
    this.onRulesChanged();
    return clean;
  }
}
