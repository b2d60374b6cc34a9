import { describe, expect, it, vi } from 'vitest';

// Importing anneal decodes nothing: each shipped dataset is inflated on its first load, once.
const inflate = vi.hoisted(() => ({ calls: 0 }));
vi.mock('fflate', async (importOriginal) => {
  const fflate = await importOriginal<typeof import('fflate')>();
  return {
    ...fflate,
    inflateSync: (...args: Parameters<typeof fflate.inflateSync>) => {
      inflate.calls++;
      return fflate.inflateSync(...args);
    },
  };
});

describe('shipped datasets load lazily', () => {
  it('decode nothing on import, each dataset once on its first load', async () => {
    const anneal = await import('../../src/index.ts');
    expect(inflate.calls).toBe(0);
    anneal.loadIris();
    expect(inflate.calls).toBe(1);
    anneal.loadIris();
    anneal.loadRealDataset('iris');
    expect(inflate.calls).toBe(1);
    anneal.loadDiabetes({ scaled: false });
    anneal.loadDiabetes();
    expect(inflate.calls).toBe(2);
    anneal.loadDigits({ nClass: 2 });
    anneal.loadDigits();
    expect(inflate.calls).toBe(3);
  });
});
