import type { EventDraft, SourceContext } from '../event-draft.ts';

/** A source and draft for step tests; only what a test names differs from the defaults. */
export const testSource: SourceContext = { id: 'src_test', workspaceId: 'default', name: 'web shop' };

export function draftOf(raw: Record<string, unknown>, overrides: Partial<EventDraft> = {}): EventDraft {
  return { raw, source: testSource, receivedAt: Date.parse('2026-03-01T12:00:00Z'), warnings: [], ...overrides };
}
