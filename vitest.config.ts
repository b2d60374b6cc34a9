import { defineConfig } from 'vitest/config';

export default defineConfig({
  // The package's own name, as README examples import it.
  resolve: { alias: { anneal: new URL('./src/index.ts', import.meta.url).pathname } },
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
  },
});
