// The safetensors reader and writer against the reference implementation: its serializer's own test vectors
// (safetensors/src/tensor.rs, as test/fixtures/interop/gen_interop_fixtures.py's check_writer repeats them),
// the file PyTorch's side wrote (mlp.safetensors, read and written back byte for byte), dtype conversions
// checked against IEEE 754 bit patterns, and every refusal the format's checks call for.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { MAX_HEADER_BYTES, readSafetensors, writeSafetensors } from '../../src/io/safetensors.ts';
import { FileFormatError } from '../../src/io/tensors.ts';
import { ValidationError } from '../../src/params/error.ts';
import expected from '../fixtures/interop/expected.json' with { type: 'json' };

const fixture = (name: string) => new Uint8Array(readFileSync(new URL(`../fixtures/interop/${name}`, import.meta.url)));
const ascii = (s: string) => new TextEncoder().encode(s);
const le64 = (n: number) => {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, BigInt(n), true);
  return b;
};
const concat = (...parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
};
/** A file with `header` (padded with spaces to a multiple of 8 unless `pad` is false) and `data`. */
const file = (header: string, data: Uint8Array = new Uint8Array(0), pad = true) => {
  let h = ascii(header);
  if (pad) h = concat(h, ascii(' '.repeat((8 - (h.length % 8)) % 8)));
  return concat(le64(h.length), h, data);
};
const ZERO_TO_FIVE = new Uint8Array([
  0, 0, 0, 0, 0, 0, 128, 63, 0, 0, 0, 64, 0, 0, 64, 64, 0, 0, 128, 64, 0, 0, 160, 64,
]);
const f32 = (...v: number[]) => new Float32Array(v);

describe('writeSafetensors: byte-identical to the reference serializer', () => {
  it("the spec's golden vector: attn.0, F32 [1, 2, 3] holding 0..5, header length 64", () => {
    const got = writeSafetensors({ 'attn.0': { shape: [1, 2, 3], data: f32(0, 1, 2, 3, 4, 5) } });
    const header = '{"attn.0":{"dtype":"F32","shape":[1,2,3],"data_offsets":[0,24]}}';
    expect(header.length).toBe(64);
    expect(Array.from(got)).toEqual(Array.from(concat(le64(64), ascii(header), ZERO_TO_FIVE)));
  });

  it('pads the header with spaces to a multiple of 8 (test_serialization_forced_alignement)', () => {
    const got = writeSafetensors({ attn0: { shape: [1, 1, 2, 3], data: f32(0, 1, 2, 3, 4, 5) } });
    const header = '{"attn0":{"dtype":"F32","shape":[1,1,2,3],"data_offsets":[0,24]}}       ';
    expect(Array.from(got)).toEqual(Array.from(concat(le64(72), ascii(header), ZERO_TO_FIVE)));
  });

  it('writes an empty file and metadata first (test_empty)', () => {
    expect(Array.from(writeSafetensors({}))).toEqual(Array.from(concat(le64(8), ascii('{}      '))));
    expect(Array.from(writeSafetensors({}, { framework: 'pt' }))).toEqual(
      Array.from(concat(le64(40), ascii('{"__metadata__":{"framework":"pt"}}     '))),
    );
  });

  it('orders tensors by name (UTF-8 bytes) and lays them out back to back in that order', () => {
    const got = readSafetensors(
      writeSafetensors({ b: { shape: [2], data: f32(1, 2) }, a: { shape: [3], data: f32(3, 4, 5) } }),
    );
    expect(got.tensors.map((t) => [t.name, Array.from(t.data)])).toEqual([
      ['a', [3, 4, 5]],
      ['b', [1, 2]],
    ]);
    // U+FFFD sorts after U+10000 in UTF-8 (EF.. < F0..) but before it in UTF-16 (FFFD > D800): Rust's order wins.
    const names = readSafetensors(
      writeSafetensors({ '\u{10000}': { shape: [1], data: f32(1) }, '\ufffd': { shape: [1], data: f32(2) } }),
    ).tensors.map((t) => t.name);
    expect(names).toEqual(['\ufffd', '\u{10000}']);
  });

  it('writes mlp.safetensors (written in Python by the reference layout) back byte for byte', () => {
    const bytes = fixture('mlp.safetensors');
    const read = readSafetensors(bytes, 'mlp.safetensors');
    const again = writeSafetensors(Object.fromEntries(read.tensors.map((t) => [t.name, t])), read.metadata ?? {});
    expect(Buffer.from(again).equals(Buffer.from(bytes))).toBe(true);
  });

  it('refuses a shape that does not hold the values, and __metadata__ as a tensor name', () => {
    expect(() => writeSafetensors({ a: { shape: [2, 2], data: f32(1, 2, 3) } })).toThrow(/shape \[2, 2\]/);
    expect(() => writeSafetensors({ __metadata__: { shape: [1], data: f32(1) } })).toThrow(FileFormatError);
  });
});

describe("readSafetensors: PyTorch's file", () => {
  it('reads mlp.safetensors: keys in file order, shapes and every value of the state dict', () => {
    const entry = expected.files.find((f) => f.file === 'mlp.safetensors')!;
    const got = readSafetensors(fixture('mlp.safetensors'), 'mlp.safetensors');
    expect(got.metadata).toEqual({ format: 'pt' });
    expect(got.tensors.map((t) => t.name)).toEqual(entry.keys);
    const sd = expected.models.mlp.state_dict as Record<string, number[] | number[][]>;
    for (const t of got.tensors) {
      expect(t.dtype).toBe('F32');
      expect(t.shape).toEqual(expected.models.mlp.shapes[t.name as keyof typeof expected.models.mlp.shapes]);
      expect(Array.from(t.data)).toEqual(sd[t.name].flat().map(Math.fround));
    }
  });
});

describe('readSafetensors: F16, BF16 and F64 converted to f32', () => {
  const bits = (dtype: string, bytes: number[], count: number) =>
    readSafetensors(
      file(`{"x":{"dtype":"${dtype}","shape":[${count}],"data_offsets":[0,${bytes.length}]}}`, new Uint8Array(bytes)),
    ).tensors[0];

  it('F16: normal, subnormal, -0, ±Inf, NaN, the largest value', () => {
    // 0x3C00 = 1, 0xC000 = -2, 0x0001 = 2^-24, 0x8000 = -0, 0x7C00 = Inf, 0xFC00 = -Inf, 0x7E00 = NaN, 0x7BFF = 65504
    const t = bits('F16', [0, 0x3c, 0, 0xc0, 1, 0, 0, 0x80, 0, 0x7c, 0, 0xfc, 0, 0x7e, 0xff, 0x7b, 0x55, 0x35], 9);
    expect(t.dtype).toBe('F16');
    expect(Array.from(t.data)).toEqual([1, -2, 2 ** -24, -0, Infinity, -Infinity, NaN, 65504, 0.333251953125]);
    expect(Object.is(t.data[3], -0)).toBe(true);
  });

  it('BF16: the high half of the f32 bit pattern', () => {
    // 0x3F80 = 1, 0xC049 = -3.140625, 0x0001 = 2^-133 (f32 subnormal), 0x7F80 = Inf
    const t = bits('BF16', [0x80, 0x3f, 0x49, 0xc0, 1, 0, 0x80, 0x7f], 4);
    expect(Array.from(t.data)).toEqual([1, -3.140625, 2 ** -133, Infinity]);
  });

  it('F64: rounded to the nearest f32', () => {
    const b = new Uint8Array(24);
    const v = new DataView(b.buffer);
    [0.1, -1e-50, 1e300].forEach((x, i) => v.setFloat64(8 * i, x, true));
    const t = bits('F64', Array.from(b), 3);
    expect(Array.from(t.data)).toEqual([Math.fround(0.1), -0, Infinity]);
  });
});

describe('readSafetensors: bad files are refused, naming the file and the fault', () => {
  const good = fixture('mlp.safetensors');
  const refused = (bytes: Uint8Array, message: RegExp) => {
    let caught: unknown;
    try {
      readSafetensors(bytes, 'model.safetensors');
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(FileFormatError);
    expect(caught).toBeInstanceOf(ValidationError);
    expect((caught as Error).message).toMatch(/^model\.safetensors: /);
    expect((caught as Error).message).toMatch(message);
  };
  const t = (name: string, dtype: string, shape: number[], offsets: number[]) =>
    `"${name}":{"dtype":"${dtype}","shape":${JSON.stringify(shape)},"data_offsets":${JSON.stringify(offsets)}}`;

  it('truncated anywhere', () => {
    for (const cut of [0, 3, 7, 8, 20, 100, good.length - 1])
      refused(good.subarray(0, cut), /short|past the end|truncated/);
  });

  it('a header length past the file, or above 100 MB', () => {
    refused(concat(le64(1000), ascii('{}      ')), /header length 1000 runs past the end/);
    refused(concat(le64(MAX_HEADER_BYTES + 1), new Uint8Array(16)), /above 100 MB/);
    refused(concat(new Uint8Array([255, 255, 255, 255, 255, 255, 255, 255]), new Uint8Array(8)), /above 100 MB/);
  });

  it('overlapping, out-of-order and gapped offsets', () => {
    const data = new Uint8Array(16);
    refused(file(`{${t('a', 'F32', [2], [0, 8])},${t('b', 'F32', [2], [4, 12])}}`, data.subarray(0, 12)), /overlap/);
    refused(file(`{${t('a', 'F32', [2], [8, 16])},${t('b', 'F32', [1], [0, 4])}}`, data), /gap/);
    refused(file(`{${t('a', 'F32', [2], [0, 8])}}`, data), /16 bytes of data but the header describes 8/);
    refused(file(`{${t('a', 'F32', [2], [8, 0])}}`, data), /data_offsets \[8,0\]/);
  });

  it('a byte length that does not match dtype × shape', () => {
    refused(
      file(`{${t('w', 'F32', [2, 3], [0, 20])}}`, new Uint8Array(20)),
      /hold 20 bytes, but F32 of shape \[2, 3\] needs 24/,
    );
  });

  it('an unknown dtype, and one that is not a float', () => {
    refused(file(`{${t('w', 'F31', [1], [0, 4])}}`, new Uint8Array(4)), /unknown dtype "F31"/);
    refused(file(`{${t('w', 'I32', [1], [0, 4])}}`, new Uint8Array(4)), /dtype I32 cannot be read as weights/);
  });

  it('duplicate keys (JSON.parse would keep the last one silently)', () => {
    refused(
      file(`{${t('w', 'F32', [1], [0, 4])},${t('w', 'F32', [1], [0, 4])}}`, new Uint8Array(4)),
      /duplicate key "w"/,
    );
  });

  it('headers that are not a JSON object of entries', () => {
    refused(file('[1, 2]'), /does not start with '\{'/);
    refused(file('{"a": 1'), /not valid JSON/);
    refused(file('{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4],"x":1}}', new Uint8Array(4)), /unknown field x/);
    refused(file('{"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}', new Uint8Array(4)), /shape \[-1\]/);
    refused(file('{"__metadata__":{"a":1}}'), /__metadata__ a must be a string/);
    refused(concat(le64(8), new Uint8Array([0x7b, 0xff, 0xfe, 0x7d, 32, 32, 32, 32])), /not valid UTF-8/);
  });

  it('reads a header padded with spaces and no tensors', () => {
    expect(readSafetensors(file('{}')).tensors).toEqual([]);
  });
});
