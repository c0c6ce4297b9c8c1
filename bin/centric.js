#!/usr/bin/env node
// Centric runs on Node 24 or newer. When started by an older Node (the system one), hand over
// to the Node 24 that `npm ci` installs into node_modules, keeping arguments and exit code.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const major = Number(process.versions.node.split('.')[0]);
if (major < 24) {
  const local = join(root, 'node_modules', '.bin', 'node');
  if (!existsSync(local)) {
    console.error(`Centric needs Node.js 24 or newer (this is ${process.version}); run "npm ci" to install it into node_modules.`);
    process.exit(1);
  }
  const result = spawnSync(local, [fileURLToPath(import.meta.url), ...process.argv.slice(2)], { stdio: 'inherit' });
  process.exit(result.status ?? 1);
} else {
  await import(join(root, 'src', 'cli', 'main.ts'));
}
