/**
 * numpy's legacy `numpy.random.RandomState(seed)` for integer seeds, draw for draw:
 * MT19937 seeded with `mt19937_seed` (init_genrand), `random_sample` from two 32-bit draws,
 * `legacy_gauss` (polar Box–Muller that keeps the second value for the next call),
 * `random_interval` masked rejection sampling for `shuffle` / `permutation` / `randint`.
 * Sources: numpy/random/mtrand.pyx, numpy/random/src/legacy/legacy-distributions.c,
 * numpy/random/src/distributions/distributions.c, numpy/random/src/mt19937/mt19937.h.
 */
import { ValidationError } from '../params/error.ts';
import { crLog } from './correctly_rounded_math.ts';
import { MT19937 } from './mt19937.ts';
import { formatValue } from '../params/names.ts';

const MAX_UINT32 = 0xffffffff;

/** Any index-writable sequence: plain arrays and typed arrays. */
export interface MutableIndexable<T> {
  /** Number of elements. */
  length: number;
  [index: number]: T;
}

/**
 * A RandomState's whole state in numpy's `get_state(legacy=False)` layout: the MT19937 key (624 words) and
 * position, and the Gaussian kept for the next `standard_normal` (`has_gauss`, `gauss`). JSON as it is.
 */
export interface RandomStateDict {
  /** Always `MT19937`. */
  bit_generator: 'MT19937';
  /** The Mersenne Twister's state: its 624 words and the position of the next one. */
  state: { key: number[]; pos: number };
  /** 1 when a second Gaussian is kept for the next call, else 0. */
  has_gauss: 0 | 1;
  /** The kept Gaussian (0 when none). */
  gauss: number;
}

/** numpy's legacy `numpy.random.RandomState(seed)`, draw for draw, for integer seeds (MT19937 underneath). */
export class RandomState {
  private readonly engine: MT19937;
  private hasGauss = false;
  private gauss = 0;

  /** `np.random.RandomState(seed)`; like numpy, the seed must be an integer in [0, 2^32 - 1]. */
  constructor(seed: number) {
    if (!Number.isInteger(seed) || seed < 0 || seed > MAX_UINT32) {
      throw new ValidationError(
        'RandomState',
        'seed',
        'an integer in [0, 4294967295]',
        seed,
        `RandomState: seed must be an integer in [0, 4294967295], got ${seed}`,
      );
    }
    this.engine = new MT19937(seed);
  }

  /** The whole state, as numpy's `get_state(legacy=False)` (a copy): what `setState` restores. */
  getState(): RandomStateDict {
    const { key, pos } = this.engine.getState();
    return {
      bit_generator: 'MT19937',
      state: { key: Array.from(key), pos },
      has_gauss: this.hasGauss ? 1 : 0,
      gauss: this.gauss,
    };
  }

  /**
   * Restores a state `getState()` gave (numpy's `set_state`): the draws then continue exactly where they were.
   * Everything is checked first; a refused state changes nothing. `where` names the caller in messages.
   */
  setState(state: RandomStateDict, where = 'RandomState.setState'): void {
    const kind = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'a list' : typeof v);
    const fail = (param: string, allowed: string, got: unknown): never => {
      const shown = typeof got === 'number' || (typeof got === 'string' && got.length <= 40) ? got : kind(got);
      const message = `${where}: ${param} must be ${allowed}, got ${formatValue(shown)}`;
      throw new ValidationError(where, param, allowed, shown, message);
    };
    const isObject = (v: unknown): v is Record<string, unknown> =>
      typeof v === 'object' && v !== null && !Array.isArray(v);
    const isWord = (w: unknown) => typeof w === 'number' && Number.isInteger(w) && w >= 0 && w <= MAX_UINT32;
    if (!isObject(state)) {
      fail('state', 'an object {bit_generator, state, has_gauss, gauss}', state);
      return;
    }
    for (const k of Object.keys(state)) {
      if (!['bit_generator', 'state', 'has_gauss', 'gauss'].includes(k)) fail(k, 'absent (an unknown key)', k);
    }
    if (state.bit_generator !== 'MT19937') fail('bit_generator', '"MT19937"', state.bit_generator);
    const inner: unknown = state.state;
    if (!isObject(inner) || !Array.isArray(inner.key)) {
      fail('state', 'an object {key, pos}', inner);
      return;
    }
    const { key, pos } = inner as { key: unknown[]; pos: unknown };
    const words = 'a list of 624 integers in [0, 4294967295]';
    if (key.length !== 624) fail('state.key', words, `${key.length} entries`);
    const bad = key.findIndex((w) => !isWord(w));
    if (bad >= 0) fail(`state.key[${bad}]`, 'an integer in [0, 4294967295]', key[bad]);
    if (typeof pos !== 'number' || !Number.isInteger(pos) || pos < 0 || pos > 624)
      fail('state.pos', 'an integer in [0, 624]', pos);
    if (state.has_gauss !== 0 && state.has_gauss !== 1) fail('has_gauss', '0 or 1', state.has_gauss);
    if (typeof state.gauss !== 'number' || !Number.isFinite(state.gauss)) fail('gauss', 'a finite number', state.gauss);
    this.engine.setState(key as number[], pos as number);
    this.hasGauss = state.has_gauss === 1;
    this.gauss = state.gauss;
  }

  /** The raw 32-bit output (`next_uint32`). */
  nextUint32(): number {
    return this.engine.nextUint32();
  }

  /** `random_sample()`: a double in [0, 1) with 53 random bits (`mt19937_next_double`). */
  randomSample(): number {
    const a = this.engine.nextUint32() >>> 5;
    const b = this.engine.nextUint32() >>> 6;
    return (a * 67108864 + b) / 9007199254740992;
  }

  /** `uniform(low, high)`: `low + (high - low) * random_sample()`. */
  uniform(low = 0, high = 1): number {
    const range = high - low;
    if (!Number.isFinite(range)) {
      throw new ValidationError(
        'RandomState.uniform',
        'high',
        'a number with high - low finite',
        high,
        `RandomState.uniform: high - low must be finite, got low=${low}, high=${high}`,
      );
    }
    return low + range * this.randomSample();
  }

  /** `standard_normal()`: `legacy_gauss`, which returns a cached second value on every other call. */
  standardNormal(): number {
    if (this.hasGauss) {
      const cached = this.gauss;
      this.hasGauss = false;
      this.gauss = 0;
      return cached;
    }
    let x1: number;
    let x2: number;
    let r2: number;
    do {
      x1 = 2 * this.randomSample() - 1;
      x2 = 2 * this.randomSample() - 1;
      r2 = x1 * x1 + x2 * x2;
    } while (r2 >= 1 || r2 === 0);
    // C's log (glibc) is correctly rounded for all but ~0.1% of inputs; Math.log misses for ~7%.
    const f = Math.sqrt((-2 * crLog(r2)) / r2);
    this.gauss = f * x1;
    this.hasGauss = true;
    return f * x2;
  }

  /** `normal(loc, scale)`: `loc + scale * legacy_gauss()`. */
  normal(loc = 0, scale = 1): number {
    if (!(scale >= 0)) {
      throw new ValidationError(
        'RandomState.normal',
        'scale',
        '>= 0',
        scale,
        `RandomState.normal: scale must be >= 0, got ${scale}`,
      );
    }
    return loc + scale * this.standardNormal();
  }

  /**
   * `random_interval(max)`: a uniform integer in [0, max] by masked rejection sampling on 32-bit
   * draws. numpy switches to 64-bit draws only for max > 2^32 - 1, which no JS array index reaches.
   */
  randomInterval(max: number): number {
    if (!Number.isInteger(max) || max < 0 || max > MAX_UINT32) {
      throw new ValidationError(
        'RandomState.randomInterval',
        'max',
        'an integer in [0, 4294967295]',
        max,
        `RandomState.randomInterval: max must be an integer in [0, 4294967295], got ${max}`,
      );
    }
    if (max === 0) return 0;
    let mask = max;
    mask |= mask >>> 1;
    mask |= mask >>> 2;
    mask |= mask >>> 4;
    mask |= mask >>> 8;
    mask |= mask >>> 16;
    let value: number;
    do {
      value = (this.engine.nextUint32() & mask) >>> 0;
    } while (value > max);
    return value;
  }

  /**
   * `randint(low, high)` with numpy's legacy default dtype (int64): an integer in [low, high).
   * With one argument, `randint(high)` draws from [0, high). Ranges wider than 2^32 are not supported.
   */
  randint(lowOrHigh: number, high?: number): number {
    const low = high === undefined ? 0 : lowOrHigh;
    const top = high === undefined ? lowOrHigh : high;
    if (!Number.isSafeInteger(low) || !Number.isSafeInteger(top)) {
      throw new ValidationError(
        'RandomState.randint',
        Number.isSafeInteger(low) ? 'high' : 'low',
        'a safe integer',
        Number.isSafeInteger(low) ? top : low,
        `RandomState.randint: low and high must be safe integers, got low=${low}, high=${top}`,
      );
    }
    if (top <= low) {
      throw new ValidationError(
        'RandomState.randint',
        'high',
        `> low (${low})`,
        top,
        `RandomState.randint: high must be > low, got low=${low}, high=${top}`,
      );
    }
    const range = top - 1 - low;
    if (range > MAX_UINT32) {
      throw new ValidationError(
        'RandomState.randint',
        'high',
        `at most low + 4294967296 (${low + 4294967296})`,
        top,
        `RandomState.randint: high - low must be <= 4294967296, got ${top - low}`,
      );
    }
    // random_bounded_uint64 with use_masked=true: the same masked 32-bit rejection as random_interval,
    // except that a full 32-bit range takes one draw as is.
    if (range === MAX_UINT32) return low + this.engine.nextUint32();
    return low + this.randomInterval(range);
  }

  /** `shuffle(x)` in place: Fisher–Yates from the end, `j = random_interval(i)`. */
  shuffle<T>(array: MutableIndexable<T>): void {
    for (let i = array.length - 1; i > 0; i--) {
      const j = this.randomInterval(i);
      const held = array[j];
      array[j] = array[i];
      array[i] = held;
    }
  }

  /** `permutation(n)`: `arange(n)` shuffled. */
  permutation(n: number): Int32Array {
    if (!Number.isInteger(n) || n < 0 || n > 0x7fffffff) {
      throw new ValidationError(
        'RandomState.permutation',
        'n',
        'an integer in [0, 2147483647]',
        n,
        `RandomState.permutation: n must be an integer in [0, 2147483647], got ${n}`,
      );
    }
    const indices = new Int32Array(n);
    for (let i = 0; i < n; i++) indices[i] = i;
    this.shuffle(indices);
    return indices;
  }
}
