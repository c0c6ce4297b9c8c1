import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import react from '@vitejs/plugin-react';
import { defineConfig, type Plugin } from 'vite';

/** The API the development server forwards to: `npm start` on its default port unless told otherwise. */
const api = process.env.CENTRIC_API_URL ?? 'http://127.0.0.1:4000';

/**
 * Writes .br and .gz beside every built script and style sheet, so the server (which serves them
 * pre-compressed) sends the charts library at a fraction of its size without compressing per request.
 */
function precompress(): Plugin {
  let outDir = '';
  return {
    name: 'centric-precompress',
    apply: 'build',
    configResolved(config) {
      outDir = join(config.root, config.build.outDir);
    },
    closeBundle() {
      const assets = join(outDir, 'assets');
      for (const name of readdirSync(assets)) {
        if (!/\.(js|css|svg)$/.test(name)) continue;
        const content = readFileSync(join(assets, name));
        writeFileSync(join(assets, `${name}.br`), brotliCompressSync(content, { params: { [constants.BROTLI_PARAM_QUALITY]: 9 } }));
        writeFileSync(join(assets, `${name}.gz`), gzipSync(content, { level: 9 }));
      }
    },
  };
}

export default defineConfig({
  root: import.meta.dirname,
  plugins: [react(), precompress()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // The charts library is one lazily loaded chunk of its own; only the analytics pages ask for it.
    chunkSizeWarningLimit: 1200,
  },
  server: {
    proxy: { '/api': api, '/v1': api, '/health': api },
  },
});
