import { readFileSync } from 'node:fs';

/** Parses a JSON file given relative to this folder (test/data). */
// biome-ignore lint/suspicious/noExplicitAny: fixtures are typed by the caller
export function loadJson<T = any>(relativePath: string): T {
  return JSON.parse(readFileSync(new URL(relativePath, import.meta.url), 'utf8')) as T;
}

const bits = new Float64Array(1);
const bitsAsInt = new BigInt64Array(bits.buffer);

/** Ordinal of a double on the number line (monotone in the value; -0 and +0 coincide). */
function ordinal(x: number): bigint {
  bits[0] = x;
  const i = bitsAsInt[0];
  return i < 0n ? -(i & 0x7fffffffffffffffn) : i;
}

/** How many doubles apart a and b are (0 when equal). */
export function ulpDistance(a: number, b: number): number {
  const d = ordinal(a) - ordinal(b);
  return Number(d < 0n ? -d : d);
}

/** The training-run seeds of /work/shared/fixtures/gen_torch_fixtures.py (`train_case(..., seed=...)`, default 0). */
export const TRAINING_CASE_SEEDS: Record<string, number> = {
  seed_manual_decay: 0,
  seed_steplr: 0,
  moons200_cosine_minibatch: 3,
  blobs_amsgrad_wd: 4,
  moons_adamw_plateau: 5,
  moons_sgd_nesterov_onecycle: 6,
  finetune_per_layer_lambda: 7,
};
