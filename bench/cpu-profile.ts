import { readFileSync } from 'node:fs';

/**
 * Reads a V8 `.cpuprofile` (written by `node --cpu-prof`) and tells where the busy time went:
 * by area (a package, a source file, SQLite, the garbage collector) and by function, self time only.
 */

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
}

const ROOT = new URL('..', import.meta.url).href;

export function summariseCpuProfile(file: string, top = 15): string {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byArea = new Map<string, number>();
  const byFunction = new Map<string, number>();
  let total = 0;
  let idle = 0;
  for (const node of profile.nodes) {
    const hits = node.hitCount ?? 0;
    if (hits === 0) continue;
    total += hits;
    const { functionName, url, lineNumber } = node.callFrame;
    if (functionName === '(idle)') {
      idle += hits;
      continue;
    }
    const area = areaOf(functionName, url);
    byArea.set(area, (byArea.get(area) ?? 0) + hits);
    const name = `${functionName || '(anonymous)'} ${url ? `${shortUrl(url)}:${lineNumber + 1}` : '(native)'}`;
    byFunction.set(name, (byFunction.get(name) ?? 0) + hits);
  }
  const busy = total - idle;
  const lines: string[] = [`  busy ${share(busy, total)} of ${((profile.endTime - profile.startTime) / 1e6).toFixed(1)} s sampled; shares below are of busy time`];
  lines.push('  by area:');
  for (const [area, hits] of sortDesc(byArea).slice(0, top)) lines.push(`    ${share(hits, busy).padStart(6)}  ${area}`);
  lines.push('  by function (self time):');
  for (const [name, hits] of sortDesc(byFunction).slice(0, top)) lines.push(`    ${share(hits, busy).padStart(6)}  ${name}`);
  return lines.join('\n');
}

/** Groups a frame: V8 and native work by name, packages by name, our files by path. */
function areaOf(functionName: string, url: string): string {
  if (url === '') {
    if (functionName.startsWith('(')) return functionName;
    return `native: ${functionName}`;
  }
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return `package ${pkg[1]}`;
  if (url.startsWith('node:')) return url;
  return shortUrl(url);
}

function shortUrl(url: string): string {
  if (url.startsWith(ROOT)) return url.slice(ROOT.length);
  const pkg = /node_modules\/(.*)$/.exec(url);
  return pkg ? pkg[1]! : url;
}

function sortDesc(map: Map<string, number>): Array<[string, number]> {
  return [...map.entries()].sort((a, b) => b[1] - a[1]);
}

function share(part: number, whole: number): string {
  return whole === 0 ? '0%' : `${((part / whole) * 100).toFixed(1)}%`;
}
