// `npm ci` wants a lock entry for every platform's optional native binary, but the registry this
// project installs from serves only some platforms' builds, so `npm install` leaves the others out.
// This adds minimal entries for them (skipped on install by os/cpu); run it after `npm install`.
import { readFileSync, writeFileSync } from 'node:fs';

const path = new URL('../package-lock.json', import.meta.url);
const lock = JSON.parse(readFileSync(path, 'utf8'));
const platforms = [
  ['darwin', 'arm64'], ['darwin', 'x64'], ['linux', 'arm64', 'glibc'], ['linux', 'arm64', 'musl'], ['linux', 'arm'],
  ['linux', 'x64', 'glibc'], ['linux', 'x64', 'musl'], ['win32', 'arm64'], ['win32', 'x64'],
];
let added = 0;
for (const [key, entry] of Object.entries(lock.packages)) {
  for (const [name, version] of Object.entries(entry.optionalDependencies ?? {})) {
    const target = `node_modules/${name}`;
    if (lock.packages[target]) continue;
    const platform = platforms.find(([os, cpu, libc]) => name.includes(`${os}-${cpu}`) && (!libc || (libc === 'musl') === name.endsWith('-musl')) && name.endsWith(`${os}-${cpu}${libc === 'musl' ? '-musl' : ''}`));
    if (!platform) continue;
    const [os, cpu, libc] = platform;
    lock.packages[target] = { version, cpu: [cpu], ...(libc ? { libc: [libc] } : {}), license: 'MIT', optional: true, os: [os], ...(entry.dev ? { dev: true } : {}) };
    added += 1;
    void key;
  }
}
lock.packages = Object.fromEntries(Object.entries(lock.packages).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a < b ? -1 : a > b ? 1 : 0)));
writeFileSync(path, JSON.stringify(lock, null, 2) + '\n');
console.log(`added ${added} platform entries to package-lock.json`);
