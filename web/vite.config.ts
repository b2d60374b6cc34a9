import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// The playground page: `npm run web` serves it, `npm run build:web` writes a static site to dist/web that
// works from any static file server and any path (relative asset URLs). The worker imports the library
// from src/, which carries the very core Node uses (build/anneal.wasm, inlined by scripts/build-wasm.mjs).
const root = fileURLToPath(new URL('.', import.meta.url));
const repo = fileURLToPath(new URL('..', import.meta.url));

export default defineConfig({
  root,
  base: './',
  build: { outDir: `${repo}dist/web`, emptyOutDir: true, target: 'es2022', chunkSizeWarningLimit: 1500 },
  worker: { format: 'es' },
  server: { fs: { allow: [repo] } },
  preview: { port: 4174 },
});
