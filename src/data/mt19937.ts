/**
 * The Mersenne Twister MT19937 with 32-bit outputs (Matsumoto & Nishimura, mt19937ar.c), seeded with
 * `init_genrand`. This one engine sits under both numpy's legacy `RandomState` and PyTorch's CPU
 * default generator, and produces the same stream as C++ `std::mt19937(seed)`.
 */
import { ValidationError } from '../params/error.ts';

const STATE_SIZE = 624;
const SHIFT_SIZE = 397;
const MATRIX_A = 0x9908b0df;
const UPPER_MASK = 0x80000000;
const LOWER_MASK = 0x7fffffff;
const TWO_POW_32 = 4294967296;

/** The default seed of `std::mt19937` and of mt19937ar.c. */
export const MT19937_DEFAULT_SEED = 5489;

/** Reduces an integer seed modulo 2^32 (`seed & 0xffffffff` on a two's-complement 64-bit integer). */
export function seedToUint32(seed: number): number {
  if (!Number.isSafeInteger(seed)) {
    throw new ValidationError(
      'MT19937',
      'seed',
      'a safe integer (|seed| <= 2^53 - 1)',
      seed,
      `MT19937: seed must be a safe integer (|seed| <= 2^53 - 1), got ${seed}`,
    );
  }
  return ((seed % TWO_POW_32) + TWO_POW_32) % TWO_POW_32;
}

/**
 * The Mersenne Twister MT19937 (mt19937ar.c): 32-bit outputs, seeded with `init_genrand(seed)`; the stream of C++
 * `std::mt19937(seed)`.
 */
export class MT19937 {
  private readonly state = new Uint32Array(STATE_SIZE);
  private index = STATE_SIZE;

  constructor(seed: number = MT19937_DEFAULT_SEED) {
    this.seed(seed);
  }

  /** `init_genrand(seed & 0xffffffff)`. */
  seed(seed: number): void {
    const mt = this.state;
    mt[0] = seedToUint32(seed);
    for (let i = 1; i < STATE_SIZE; i++) {
      const prev = mt[i - 1];
      mt[i] = (Math.imul(1812433253, prev ^ (prev >>> 30)) + i) >>> 0;
    }
    this.index = STATE_SIZE;
  }

  /**
   * The generator's state as numpy's `get_state()` gives it: the 624 words of the key (a copy) and the position
   * of the next word to temper (624: a twist comes first).
   */
  getState(): { key: Uint32Array; pos: number } {
    return { key: this.state.slice(), pos: this.index };
  }

  /**
   * Restores a state `getState()` gave: the generator then continues that stream word for word. The key must
   * hold 624 words and `pos` be an integer in [0, 624].
   */
  setState(key: ArrayLike<number>, pos: number): void {
    if (key.length !== STATE_SIZE || !Number.isInteger(pos) || pos < 0 || pos > STATE_SIZE) {
      throw new ValidationError(
        'MT19937.setState',
        key.length !== STATE_SIZE ? 'key' : 'pos',
        key.length !== STATE_SIZE ? `${STATE_SIZE} words` : `an integer in [0, ${STATE_SIZE}]`,
        key.length !== STATE_SIZE ? key.length : pos,
        `MT19937.setState: expected a key of ${STATE_SIZE} words and pos in [0, ${STATE_SIZE}], ` +
          `got ${key.length} words and pos ${pos}`,
      );
    }
    for (let i = 0; i < STATE_SIZE; i++) {
      const word = key[i];
      if (!Number.isInteger(word) || word < 0 || word > 0xffffffff) {
        throw new ValidationError(
          'MT19937.setState',
          `key[${i}]`,
          'an integer in [0, 4294967295]',
          word,
          `MT19937.setState: key[${i}] must be an integer in [0, 4294967295], got ${word}`,
        );
      }
    }
    this.state.set(key);
    this.index = pos;
  }

  /** The next 32-bit output, as a number in [0, 2^32). */
  nextUint32(): number {
    if (this.index >= STATE_SIZE) this.twist();
    let y = this.state[this.index++];
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }

  private twist(): void {
    const mt = this.state;
    let k = 0;
    for (; k < STATE_SIZE - SHIFT_SIZE; k++) {
      const y = (mt[k] & UPPER_MASK) | (mt[k + 1] & LOWER_MASK);
      mt[k] = mt[k + SHIFT_SIZE] ^ (y >>> 1) ^ (y & 1 ? MATRIX_A : 0);
    }
    for (; k < STATE_SIZE - 1; k++) {
      const y = (mt[k] & UPPER_MASK) | (mt[k + 1] & LOWER_MASK);
      mt[k] = mt[k + SHIFT_SIZE - STATE_SIZE] ^ (y >>> 1) ^ (y & 1 ? MATRIX_A : 0);
    }
    const y = (mt[STATE_SIZE - 1] & UPPER_MASK) | (mt[0] & LOWER_MASK);
    mt[STATE_SIZE - 1] = mt[SHIFT_SIZE - 1] ^ (y >>> 1) ^ (y & 1 ? MATRIX_A : 0);
    this.index = 0;
  }
}
