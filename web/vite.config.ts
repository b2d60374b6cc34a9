import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// The playground page: `npm run web` serves it, `npm run build:web` writes a static site to dist/web that
// works from any static file server and any path (relative asset URLs). The worker imports the library
// from src/, whose loader fetches build/anneal.wasm: the very files Node uses.
const root = fileURLToPath(new URL('.', import.meta.url));
const repo = fileURLToPath(new URL('..', import.meta.url));

export default defineConfig({
  root,
  base: './',
  // Top-level await (the library loads its core on import) needs ES2022 modules, in the page and the worker.
  build: { outDir: `${repo}dist/web`, emptyOutDir: true, target: 'es2022', chunkSizeWarningLimit: 1500 },
  worker: { format: 'es' },
  server: { fs: { allow: [repo] } },
  preview: { port: 4174 },
});
