import { CentricError } from '../core/errors.ts';
import { normaliseCode, normaliseTouchpointName } from '../core/touchpoint.ts';
import type { NewSource, Source, SourcePatch, StateStore } from '../stores/ports.ts';

const CACHE_TTL_MS = 5_000;

/**
 * Sources and their write keys. Tracking calls look a key up on every request, so keys are
 * cached for a few seconds; changes made through this service take effect at once.
 */
export class SourceService {
  private readonly store: StateStore;
  private readonly cache = new Map<string, { source: Source | null; until: number }>();

  constructor(store: StateStore) {
    this.store = store;
  }

  async authenticate(writeKey: string): Promise<Source> {
    const now = Date.now();
    let entry = this.cache.get(writeKey);
    if (!entry || entry.until < now) {
      entry = { source: await this.store.findSourceByWriteKey(writeKey), until: now + CACHE_TTL_MS };
      if (this.cache.size > 10_000) this.cache.clear();
      this.cache.set(writeKey, entry);
    }
    if (!entry.source) {
      throw new CentricError('CENTRIC_ERR_AUTH_INVALID_WRITE_KEY', 'the write key is not known; check the source\'s write key in Centric');
    }
    if (!entry.source.enabled) {
      throw new CentricError('CENTRIC_ERR_AUTH_SOURCE_DISABLED', `source "${entry.source.name}" is disabled; enable it to send events`);
    }
    return entry.source;
  }

  async create(input: NewSource): Promise<Source> {
    const clean = { ...cleanTouchpoint(input), workspaceId: input.workspaceId, name: cleanName(input.name) };
    if (await this.store.findSourceByName(input.workspaceId, clean.name)) {
      throw new CentricError('CENTRIC_ERR_SOURCE_NAME_TAKEN', `a source named "${clean.name}" already exists`);
    }
    return this.store.createSource(clean);
  }

  list(workspaceId: string): Promise<Source[]> {
    return this.store.listSources(workspaceId);
  }

  async get(workspaceId: string, id: string): Promise<Source> {
    return orNotFound(await this.store.getSource(workspaceId, id), id);
  }

  findByName(workspaceId: string, name: string): Promise<Source | null> {
    return this.store.findSourceByName(workspaceId, name);
  }

  async update(workspaceId: string, id: string, patch: SourcePatch): Promise<Source> {
    const before = await this.get(workspaceId, id);
    const clean: SourcePatch = { ...cleanTouchpoint(patch) };
    if (patch.enabled !== undefined) clean.enabled = patch.enabled;
    if (patch.name !== undefined) {
      clean.name = cleanName(patch.name);
      const other = await this.store.findSourceByName(workspaceId, clean.name);
      if (other && other.id !== id) throw new CentricError('CENTRIC_ERR_SOURCE_NAME_TAKEN', `a source named "${clean.name}" already exists`);
    }
    const after = orNotFound(await this.store.updateSource(workspaceId, id, clean), id);
    this.cache.delete(before.writeKey);
    return after;
  }

  async rotateWriteKey(workspaceId: string, id: string): Promise<Source> {
    const before = await this.get(workspaceId, id);
    const after = orNotFound(await this.store.rotateWriteKey(workspaceId, id), id);
    this.cache.delete(before.writeKey);
    return after;
  }
}

function orNotFound(source: Source | null, id: string): Source {
  if (!source) throw new CentricError('CENTRIC_ERR_SOURCE_NOT_FOUND', `no source with id "${id}"`);
  return source;
}

function cleanName(name: string): string {
  const clean = name.trim();
  if (clean === '' || clean.length > 120) {
    throw new CentricError('CENTRIC_ERR_REQUEST_INVALID_BODY', 'field "name" must be a non-empty string of at most 120 characters');
  }
  return clean;
}

function cleanTouchpoint(input: { channel?: string; touchpoint?: string; department?: string }): {
  channel?: string;
  touchpoint?: string;
  department?: string;
} {
  const result: { channel?: string; touchpoint?: string; department?: string } = {};
  for (const key of ['channel', 'department'] as const) {
    if (input[key] === undefined) continue;
    const code = normaliseCode(input[key]);
    if (code === null) {
      throw new CentricError(
        'CENTRIC_ERR_REQUEST_INVALID_BODY',
        `field "${key}" must be a code of letters, digits, "-" or "_" (at most 64 characters), such as "store" or "service"`,
      );
    }
    result[key] = code;
  }
  if (input.touchpoint !== undefined) {
    const name = normaliseTouchpointName(input.touchpoint);
    if (name === null) throw new CentricError('CENTRIC_ERR_REQUEST_INVALID_BODY', 'field "touchpoint" must be a non-empty string of at most 120 characters');
    result.touchpoint = name;
  }
  return result;
}
