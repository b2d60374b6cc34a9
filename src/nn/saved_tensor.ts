import { ValidationError } from '../params/error.ts';

/**
 * One f32 value in a state dict. A finite non-zero value or +0 is a plain number; the values JSON cannot carry are
 * strings: `"NaN"`, `"Infinity"`, `"-Infinity"`, and `"-0"` (JSON.stringify writes -0 as 0). So
 * `JSON.parse(JSON.stringify(stateDict()))` loads back bit-identically (up to NaN payloads).
 */
export type SavedFloat = number | 'NaN' | 'Infinity' | '-Infinity' | '-0';
/** A tensor in a state dict: nested arrays shaped like the parameter (PyTorch layout). */
export type SavedTensor = SavedFloat[] | SavedFloat[][];

/** An f32 value as a state dict holds it (see SavedFloat). */
export function encodeF32(value: number): SavedFloat {
  if (Object.is(value, -0)) return '-0';
  return Number.isFinite(value) ? value : (String(value) as SavedFloat);
}

/** Flat f32 values as nested arrays of `shape`, each encoded by encodeF32. */
export function encodeTensor(flat: ArrayLike<number>, shape: readonly number[]): SavedTensor {
  if (shape.length === 1) return Array.from(flat, encodeF32);
  const [rows, cols] = shape;
  const out: SavedFloat[][] = [];
  for (let r = 0; r < rows; r++) out.push(Array.from({ length: cols }, (_, c) => encodeF32(flat[r * cols + c])));
  return out;
}

const SPECIAL: Record<string, number> = { NaN: NaN, Infinity: Infinity, '-Infinity': -Infinity, '-0': -0 };
const ALLOWED = 'a number that rounds to a finite f32, or "NaN", "Infinity", "-Infinity", "-0"';

/**
 * A saved tensor checked against `shape` and decoded to f32. A number must round to a finite f32 (1e300 would
 * become Infinity: refused, naming the key and the index); non-finite values and -0 come as SavedFloat strings.
 * @param where the loader (`MLP.loadStateDict`)
 * @param key the entry (`layers.0.weight`, `state[0].expAvg`)
 */
export function decodeTensor(value: unknown, shape: readonly number[], where: string, key: string): Float32Array {
  const fail = (param: string, got: unknown, detail: string): never => {
    throw new ValidationError(where, param, `an array of shape [${shape.join(', ')}] of f32 values`, got, detail);
  };
  const shapeFail = (detail: string): never =>
    fail(key, value, `${where}: ${key} must be an array of shape [${shape.join(', ')}], ${detail}`);
  const out = new Float32Array(shape.reduce((a, b) => a * b, 1));
  const put = (v: unknown, at: number, index: string): void => {
    let x: number;
    if (typeof v === 'number') x = v;
    else if (typeof v === 'string' && Object.hasOwn(SPECIAL, v)) x = SPECIAL[v];
    else {
      fail(`${key}${index}`, v, `${where}: ${key}${index} must be ${ALLOWED}, got ${describe(v)}`);
      return;
    }
    const f = Math.fround(x);
    if (typeof v === 'number' && !Number.isFinite(f)) {
      fail(`${key}${index}`, v, `${where}: ${key}${index} is ${v}, which is not a finite f32 (|x| < 3.4e38)`);
    }
    out[at] = f;
  };
  if (!Array.isArray(value)) return shapeFail(`got ${describe(value)}`);
  if (value.length !== shape[0]) return shapeFail(`got ${value.length} rows`);
  if (shape.length === 1) {
    value.forEach((v, i) => put(v, i, `[${i}]`));
    return out;
  }
  const cols = shape[1];
  value.forEach((row: unknown, r) => {
    if (!Array.isArray(row) || row.length !== cols) {
      shapeFail(`row ${r} has ${Array.isArray(row) ? `${row.length} entries` : describe(row)}`);
    }
    (row as unknown[]).forEach((v, c) => put(v, r * cols + c, `[${r}][${c}]`));
  });
  return out;
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (typeof v === 'string') return JSON.stringify(v.length > 20 ? `${v.slice(0, 20)}…` : v);
  if (typeof v === 'object') return Array.isArray(v) ? 'an array' : 'an object';
  return String(v);
}
