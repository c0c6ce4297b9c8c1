import { ensureConsoleBuilt } from './console-harness.ts';

/**
 * Builds the web console once, before any test file runs, when it is missing or older than its
 * sources: the browser test files run in parallel and must not each rebuild (and empty) web/dist.
 */
export default function setup(): void {
  ensureConsoleBuilt();
}
