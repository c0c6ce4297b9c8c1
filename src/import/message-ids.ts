import { createHash } from 'node:crypto';

/**
 * JSON with the keys of every object sorted, so two rows holding the same data give the same
 * text whatever order their fields came in.
 */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((item) => canonicalJson(item ?? null)).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const object = value as Record<string, unknown>;
    const fields = Object.keys(object)
      .filter((key) => object[key] !== undefined)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonicalJson(object[key])}`);
    return `{${fields.join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** The SHA-256 of an event's canonical JSON: identical rows share it. */
export function contentHash(event: Record<string, unknown>): Buffer {
  return createHash('sha256').update(canonicalJson(event)).digest();
}

/**
 * The messageId of an imported row that brings none: the same source, content and occurrence
 * (the n-th row of that content in the file) always give the same id, so importing a file again
 * stores nothing twice, while two identical rows of one file remain two events.
 */
export function deriveMessageId(sourceId: string, hash: Buffer, occurrence: number): string {
  const digest = createHash('sha256').update(sourceId).update('\0').update(hash).update('\0').update(String(occurrence)).digest('hex');
  return `import-${digest.slice(0, 40)}`;
}
