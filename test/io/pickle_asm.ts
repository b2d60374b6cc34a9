// A tiny pickle assembler and torch.save-zip builder for tests: pickles written opcode by opcode, so that hostile
// and unusual ones can be made without Python. Byte values from CPython's Lib/pickle.py.

import { zipSync } from 'fflate';

/** Pickle opcodes by name. */
export const OP = {
  MARK: 0x28,
  STOP: 0x2e,
  POP: 0x30,
  POP_MARK: 0x31,
  DUP: 0x32,
  BININT: 0x4a,
  BININT1: 0x4b,
  BININT2: 0x4d,
  NONE: 0x4e,
  BINPERSID: 0x51,
  REDUCE: 0x52,
  BINUNICODE: 0x58,
  EMPTY_LIST: 0x5d,
  APPEND: 0x61,
  BUILD: 0x62,
  GLOBAL: 0x63,
  DICT: 0x64,
  APPENDS: 0x65,
  GET: 0x67,
  BINGET: 0x68,
  INST: 0x69,
  LONG_BINGET: 0x6a,
  LIST: 0x6c,
  PUT: 0x70,
  BINPUT: 0x71,
  LONG_BINPUT: 0x72,
  SETITEM: 0x73,
  TUPLE: 0x74,
  SETITEMS: 0x75,
  EMPTY_DICT: 0x7d,
  EMPTY_TUPLE: 0x29,
  BINFLOAT: 0x47,
  BINBYTES: 0x42,
  SHORT_BINBYTES: 0x43,
  PROTO: 0x80,
  NEWOBJ: 0x81,
  TUPLE1: 0x85,
  TUPLE2: 0x86,
  TUPLE3: 0x87,
  NEWTRUE: 0x88,
  NEWFALSE: 0x89,
  LONG1: 0x8a,
  LONG4: 0x8b,
  SHORT_BINUNICODE: 0x8c,
  BINUNICODE8: 0x8d,
  BINBYTES8: 0x8e,
  STACK_GLOBAL: 0x93,
  MEMOIZE: 0x94,
  FRAME: 0x95,
} as const;

const encoder = new TextEncoder();

/** Writes a pickle opcode by opcode; every method returns the writer. */
export class PickleWriter {
  private readonly out: number[] = [];

  /** Raw bytes. */
  raw(...bytes: number[]): this {
    this.out.push(...bytes);
    return this;
  }

  /** An opcode by name, then raw argument bytes. */
  op(name: keyof typeof OP, ...args: number[]): this {
    return this.raw(OP[name], ...args);
  }

  u32(n: number): number[] {
    return [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff];
  }

  u64(n: bigint): number[] {
    return Array.from({ length: 8 }, (_, i) => Number((n >> BigInt(8 * i)) & 0xffn));
  }

  proto(n = 2): this {
    return this.op('PROTO', n);
  }

  global(module: string, name: string): this {
    return this.op('GLOBAL', ...encoder.encode(`${module}\n${name}\n`));
  }

  /** BINUNICODE. */
  str(s: string): this {
    const b = encoder.encode(s);
    return this.op('BINUNICODE', ...this.u32(b.length), ...b);
  }

  shortStr(s: string): this {
    const b = encoder.encode(s);
    return this.op('SHORT_BINUNICODE', b.length, ...b);
  }

  /** The smallest of BININT1, BININT2, BININT, LONG1 that holds `n`. */
  int(n: number | bigint): this {
    const v = BigInt(n);
    if (v >= 0n && v < 256n) return this.op('BININT1', Number(v));
    if (v >= 0n && v < 65536n) return this.op('BININT2', Number(v) & 0xff, Number(v) >> 8);
    if (v >= -(2n ** 31n) && v < 2n ** 31n) return this.op('BININT', ...this.u32(Number(BigInt.asUintN(32, v))));
    return this.long1(v);
  }

  long1(v: bigint): this {
    const bytes: number[] = [];
    let x = v;
    for (;;) {
      bytes.push(Number(x & 0xffn));
      x >>= 8n;
      const signBit = (bytes[bytes.length - 1] & 0x80) !== 0;
      if ((x === 0n && !signBit) || (x === -1n && signBit)) break;
    }
    return this.op('LONG1', bytes.length, ...bytes);
  }

  float(x: number): this {
    const view = new DataView(new ArrayBuffer(8));
    view.setFloat64(0, x, false);
    return this.op('BINFLOAT', ...new Uint8Array(view.buffer));
  }

  bool(b: boolean): this {
    return this.op(b ? 'NEWTRUE' : 'NEWFALSE');
  }

  put(i: number): this {
    return i < 256 ? this.op('BINPUT', i) : this.op('LONG_BINPUT', ...this.u32(i));
  }

  get(i: number): this {
    return i < 256 ? this.op('BINGET', i) : this.op('LONG_BINGET', ...this.u32(i));
  }

  /** MARK, the items written by `body`, TUPLE. */
  tuple(body: (w: this) => void): this {
    this.op('MARK');
    body(this);
    return this.op('TUPLE');
  }

  /** A tuple of ints. */
  ints(values: readonly number[]): this {
    return this.tuple((w) => {
      for (const v of values) w.int(v);
    });
  }

  /** `collections.OrderedDict()` as torch.save writes it (GLOBAL, EMPTY_TUPLE, REDUCE). */
  orderedDict(): this {
    return this.global('collections', 'OrderedDict').op('EMPTY_TUPLE').op('REDUCE');
  }

  stop(): this {
    return this.op('STOP');
  }

  bytes(): Uint8Array {
    return Uint8Array.from(this.out);
  }
}

/** A fresh writer. */
export function pk(): PickleWriter {
  return new PickleWriter();
}

/** A tensor entry of a hand-built state dict. */
export interface TensorSpec {
  key: string;
  /** `FloatStorage` unless given. */
  storageType?: string;
  storageKey: string;
  numel: number;
  offset?: number;
  size: readonly number[];
  /** Row-major unless given. */
  stride?: readonly number[];
}

/** Row-major strides of `size`. */
export function rowMajor(size: readonly number[]): number[] {
  const stride: number[] = [];
  let step = 1;
  for (let i = size.length - 1; i >= 0; i--) {
    stride[i] = step;
    step *= size[i];
  }
  return stride;
}

/** Writes one `_rebuild_tensor_v2(...)` call (the value only). */
export function writeTensor(w: PickleWriter, t: TensorSpec): PickleWriter {
  w.global('torch._utils', '_rebuild_tensor_v2');
  w.tuple((args) => {
    args.tuple((pid) => {
      pid
        .str('storage')
        .global('torch', t.storageType ?? 'FloatStorage')
        .str(t.storageKey)
        .str('cpu')
        .int(t.numel);
    });
    args.op('BINPERSID');
    args.int(t.offset ?? 0);
    args.ints(t.size);
    args.ints(t.stride ?? rowMajor(t.size));
    args.bool(false);
    args.orderedDict();
  });
  return w.op('REDUCE');
}

/** The data.pkl of `torch.save(OrderedDict(tensors))`, written the way PyTorch writes it. */
export function stateDictPickle(tensors: readonly TensorSpec[]): Uint8Array {
  const w = pk().proto(2).orderedDict();
  w.op('MARK');
  for (const t of tensors) writeTensor(w.str(t.key), t);
  return w.op('SETITEMS').stop().bytes();
}

/** The f32 bytes of `values`, little-endian. */
export function f32Bytes(values: readonly number[]): Uint8Array {
  return new Uint8Array(Float32Array.from(values).buffer);
}

/** A torch.save-style zip: each record under `<prefix>/`, stored (level 0) unless `level` is given. */
export function torchZip(records: Record<string, Uint8Array>, prefix = 'archive', level: 0 | 6 = 0): Uint8Array {
  const files: Record<string, Uint8Array> = {};
  for (const [name, data] of Object.entries(records)) files[`${prefix}/${name}`] = data;
  return zipSync(files, { level });
}
