import { expect } from 'vitest';
import type { NewMembershipChange, SegmentStore } from '../segments/segment-port.ts';

/**
 * For tests of what publishes the state store's membership feed: a function that commits changes to
 * it as the segment engine would. The store drops changes to segments that do not exist, so each
 * segment id a change names is created the first time (in the change's workspace; the store checks
 * the id alone, so later changes may name it from other workspaces).
 */
export function membershipRecorder(store: SegmentStore): (...changes: NewMembershipChange[]) => Promise<void> {
  const created = new Set<string>();
  return async (...changes) => {
    for (const { workspaceId, segmentId } of changes) {
      if (created.has(segmentId)) continue;
      created.add(segmentId);
      if (!(await store.getSegment(workspaceId, segmentId))) await store.createSegment({ id: segmentId, workspaceId, name: segmentId, definition: {} });
    }
    expect(await store.commitSegments({ states: [], dropped: [], changes })).toBe(true);
  };
}
