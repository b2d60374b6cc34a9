import { defineConfig } from 'vitest/config';

const src = (file: string) => new URL(`./src/${file}`, import.meta.url).pathname;

export default defineConfig({
  // The package's own names, as README examples import them.
  resolve: {
    alias: [
      { find: /^anneal$/, replacement: src('index.ts') },
      { find: /^anneal\/node$/, replacement: src('node.ts') },
      { find: /^anneal\/plot$/, replacement: src('plot/index.ts') },
    ],
  },
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
  },
});
