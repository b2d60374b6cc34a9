// PyTorch's torch.save(state_dict) zip checkpoints: the fixtures PyTorch wrote read back bit for bit, and every
// hand-built archive that is wrong in one way is refused with a FileFormatError naming the file and the fault.

import { readFileSync } from 'node:fs';
import { zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { readTorchStateDict, TORCH_PT_MAX_BYTES, TORCH_PT_MAX_PICKLE_BYTES } from '../../src/io/torch_pt.ts';
import { FileFormatError, numel } from '../../src/io/tensors.ts';
import { f32Bytes, pk, stateDictPickle, type TensorSpec, torchZip, writeTensor } from './pickle_asm.ts';

const FIXTURES = new URL('../fixtures/interop/', import.meta.url);
const fixture = (name: string) => new Uint8Array(readFileSync(new URL(name, FIXTURES)));

interface Expected {
  files: { file: string; model: string; format: string; keys: string[]; archive?: string }[];
  models: Record<string, { state_dict: Record<string, unknown>; shapes: Record<string, number[]> }>;
}
const expected = JSON.parse(readFileSync(new URL('expected.json', FIXTURES), 'utf8')) as Expected;

const FILE = 'hand.pt';

/** The FileFormatError reading `bytes` as `hand.pt` throws, checked to name the file and every `part`. */
function refuses(bytes: Uint8Array, ...parts: string[]): FileFormatError {
  let caught: unknown;
  try {
    readTorchStateDict(bytes, FILE);
  } catch (err) {
    caught = err;
  }
  expect(caught, 'expected a refusal').toBeInstanceOf(FileFormatError);
  const err = caught as FileFormatError;
  expect(err.message.startsWith(`${FILE}: `)).toBe(true);
  for (const part of parts) expect(err.message).toContain(part);
  return err;
}

/** The bits of each f32, for bit-for-bit comparison (NaN payloads and -0 included). */
const bits = (values: ArrayLike<number>) => Array.from(new Uint32Array(Float32Array.from(values).buffer));

/** One tensor of the given storage bytes, as an archive. */
function oneTensor(spec: Partial<TensorSpec> & { numel: number }, storage: Uint8Array, extra = {}): Uint8Array {
  const t: TensorSpec = { key: 'w', storageKey: '0', size: [spec.numel], ...spec };
  return torchZip({ 'data.pkl': stateDictPickle([t]), 'data/0': storage, ...extra });
}

/** Little-endian u16 values as bytes. */
const u16Bytes = (values: number[]) => new Uint8Array(Uint16Array.from(values).buffer);
const f64Bytes = (values: number[]) => new Uint8Array(Float64Array.from(values).buffer);

/** The offsets of a zip's central-directory headers (PK\x01\x02) and local headers (PK\x03\x04). */
function headers(zip: Uint8Array, sig: number): number[] {
  const view = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  const found: number[] = [];
  for (let i = 0; i + 4 <= zip.length; i++) if (view.getUint32(i, true) === sig) found.push(i);
  return found;
}
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;

describe('readTorchStateDict: the checkpoints PyTorch wrote', () => {
  for (const entry of expected.files.filter((f) => f.format === 'torch_zip')) {
    it(`${entry.file}: PyTorch's keys in order, shapes and every value bit for bit`, () => {
      const read = readTorchStateDict(fixture(entry.file), entry.file);
      const model = expected.models[entry.model];
      expect(read.metadata).toBeNull();
      expect(read.tensors.map((t) => t.name)).toEqual(entry.keys);
      for (const t of read.tensors) {
        expect(t.dtype).toBe('F32');
        expect(t.shape).toEqual(model.shapes[t.name]);
        const want = (model.state_dict[t.name] as unknown[]).flat(8) as number[];
        expect(t.data.length).toBe(numel(t.shape));
        expect(bits(t.data)).toEqual(bits(want.map(Math.fround)));
      }
    });
  }

  it('a hand-built archive of the same tensors reads the same (the test builder matches PyTorch)', () => {
    const real = readTorchStateDict(fixture('mlp.pt'), 'mlp.pt');
    const specs = real.tensors.map((t, i) => ({
      key: t.name,
      storageKey: String(i),
      numel: t.data.length,
      size: t.shape,
    }));
    const records: Record<string, Uint8Array> = { 'data.pkl': stateDictPickle(specs) };
    real.tensors.forEach((t, i) => (records[`data/${i}`] = new Uint8Array(t.data.buffer)));
    expect(readTorchStateDict(torchZip(records, 'mlp'), FILE)).toEqual(real);
  });
});

describe('readTorchStateDict: storages and views', () => {
  it('Double storages are rounded to the nearest f32', () => {
    const values = [1 / 3, -2.5, 1e-50, 1e300, -1e300, Number.NaN, -0, 3.4028235677973366e38, 2 ** -149 * 0.75];
    const t = readTorchStateDict(oneTensor({ storageType: 'DoubleStorage', numel: values.length }, f64Bytes(values)));
    expect(t.tensors[0].dtype).toBe('F64');
    expect(bits(t.tensors[0].data)).toEqual(bits(values.map(Math.fround)));
  });

  it('Half storages convert exactly: normals, subnormals, ±0, ±Infinity, NaN', () => {
    const cases: [number, number][] = [
      [0x3c00, 1],
      [0xc000, -2],
      [0x3555, 0.333251953125],
      [0x7bff, 65504],
      [0x0400, 2 ** -14],
      [0x0001, 2 ** -24],
      [0x03ff, 1023 * 2 ** -24],
      [0x8001, -(2 ** -24)],
      [0x0000, 0],
      [0x8000, -0],
      [0x7c00, Infinity],
      [0xfc00, -Infinity],
    ];
    const halves = [...cases.map(([h]) => h), 0x7e00, 0xfd01];
    const t = readTorchStateDict(oneTensor({ storageType: 'HalfStorage', numel: halves.length }, u16Bytes(halves)));
    const got = t.tensors[0].data;
    expect(t.tensors[0].dtype).toBe('F16');
    expect(bits(got.subarray(0, cases.length))).toEqual(bits(cases.map(([, v]) => v)));
    const raw = new Uint32Array(got.buffer);
    expect(raw[cases.length]).toBe(0x7fc00000); // quiet NaN, payload kept
    expect(raw[cases.length + 1]).toBe(0xffa02000); // signalling-pattern NaN with payload 0x101, sign kept
  });

  it('BFloat16 storages convert exactly (the high half of an f32)', () => {
    const b = [0x3f80, 0xc040, 0x4049, 0x0001, 0x8000, 0x7f80, 0xff80, 0x7fc1, 0x7f7f];
    const want = [1, -3, 3.140625, 2 ** -133, -0, Infinity, -Infinity];
    const t = readTorchStateDict(oneTensor({ storageType: 'BFloat16Storage', numel: b.length }, u16Bytes(b)));
    expect(t.tensors[0].dtype).toBe('BF16');
    const raw = Array.from(new Uint32Array(t.tensors[0].data.buffer));
    expect(raw).toEqual(b.map((h) => (h << 16) >>> 0));
    expect(bits(t.tensors[0].data.subarray(0, want.length))).toEqual(bits(want));
  });

  it('views: a storage offset, shared storages, size-1 dims with any stride, scalars, empty tensors', () => {
    const storage = f32Bytes([0, 1, 2, 3, 4, 5, 6, 7]);
    const specs: TensorSpec[] = [
      { key: 'tail', storageKey: '0', numel: 8, offset: 5, size: [3] },
      { key: 'mat', storageKey: '0', numel: 8, offset: 2, size: [2, 3] },
      { key: 'col', storageKey: '0', numel: 8, offset: 1, size: [3, 1], stride: [1, 99] },
      { key: 'row', storageKey: '0', numel: 8, offset: 0, size: [1, 4], stride: [7, 1] },
      { key: 'scalar', storageKey: '0', numel: 8, offset: 7, size: [] },
      { key: 'empty', storageKey: '0', numel: 8, offset: 8, size: [0, 3], stride: [5, 5] },
    ];
    const read = readTorchStateDict(torchZip({ 'data.pkl': stateDictPickle(specs), 'data/0': storage }), FILE);
    const got = Object.fromEntries(read.tensors.map((t) => [t.name, [t.shape, Array.from(t.data)]]));
    expect(got).toEqual({
      tail: [[3], [5, 6, 7]],
      mat: [
        [2, 3],
        [2, 3, 4, 5, 6, 7],
      ],
      col: [
        [3, 1],
        [1, 2, 3],
      ],
      row: [
        [1, 4],
        [0, 1, 2, 3],
      ],
      scalar: [[], [7]],
      empty: [[0, 3], []],
    });
  });

  it('a plain dict top level, a _rebuild_parameter entry, a little-endian byteorder record, deflated entries', () => {
    const w = pk().proto(2).op('EMPTY_DICT').op('MARK').str('p').global('torch._utils', '_rebuild_parameter');
    w.tuple((a) =>
      writeTensor(a, { key: 'p', storageKey: '7', numel: 2, size: [2] })
        .bool(true)
        .orderedDict(),
    );
    w.op('REDUCE').op('SETITEMS').stop();
    const records = { 'data.pkl': w.bytes(), 'data/7': f32Bytes([1.5, -2]), byteorder: Buffer.from('little') };
    for (const level of [0, 6] as const) {
      const read = readTorchStateDict(torchZip(records, 'archive', level), FILE);
      expect(read.tensors).toEqual([{ name: 'p', dtype: 'F32', shape: [2], data: Float32Array.from([1.5, -2]) }]);
    }
  });

  it('an empty state dict reads as no tensors', () => {
    const empty = pk().proto().orderedDict().stop().bytes();
    expect(readTorchStateDict(torchZip({ 'data.pkl': empty, version: Buffer.from('3\n') }))).toEqual({
      metadata: null,
      tensors: [],
    });
  });
});

describe('readTorchStateDict refuses', () => {
  it('what is not a zip, naming the legacy format', () => {
    refuses(Buffer.from('hello world'), 'not a PyTorch zip checkpoint', 'legacy non-zip torch.save format');
    refuses(new Uint8Array(0), 'not a PyTorch zip checkpoint');
    const legacy = Uint8Array.from([
      0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19,
    ]);
    refuses(legacy, 'looks like the legacy pre-1.6 format');
    refuses(fixture('mlp.safetensors'), 'not a PyTorch zip checkpoint');
  });

  it('a damaged zip', () => {
    const zip = fixture('mlp.pt');
    refuses(zip.subarray(0, 600), 'not a readable zip archive');
    refuses(zip.subarray(0, zip.length - 30), 'not a readable zip archive');
  });

  it('a zip without data.pkl, entries outside an archive folder, more than one archive folder', () => {
    refuses(torchZip({ 'data/0': f32Bytes([1]), version: Buffer.from('3\n') }), 'no <archive>/data.pkl');
    refuses(zipSync({ 'data.pkl': stateDictPickle([]) }, { level: 0 }), '"data.pkl" is not inside an archive folder');
    const two = zipSync({ 'a/data.pkl': stateDictPickle([]), 'b/data/0': f32Bytes([1]) }, { level: 0 });
    refuses(two, 'more than one archive folder ("a", "b")');
    refuses(zipSync({}, { level: 0 }), 'not a PyTorch zip checkpoint');
  });

  it('a missing storage record, naming it', () => {
    const zip = torchZip({ 'data.pkl': stateDictPickle([{ key: 'w', storageKey: '3', numel: 2, size: [2] }]) });
    refuses(zip, 'tensor "w"', 'storage record "archive/data/3" is missing');
  });

  it('a storage too short (or too long) for its numel', () => {
    refuses(oneTensor({ numel: 4 }, f32Bytes([1, 2, 3])), 'holds 12 bytes, but 4 FloatStorage elements need 16');
    refuses(oneTensor({ numel: 2 }, f32Bytes([1, 2, 3])), 'holds 12 bytes');
    refuses(oneTensor({ numel: 3, storageType: 'DoubleStorage' }, f64Bytes([1, 2])), '3 DoubleStorage elements');
  });

  it('a view past the end of its storage', () => {
    refuses(oneTensor({ numel: 3, size: [4] }, f32Bytes([1, 2, 3])), 'lie past the storage', '3 elements');
    refuses(oneTensor({ numel: 3, offset: 1, size: [3] }, f32Bytes([1, 2, 3])), 'offset 1 + 3 elements');
    refuses(oneTensor({ numel: 3, offset: 9, size: [1] }, f32Bytes([1, 2, 3])), 'offset 9');
    refuses(oneTensor({ numel: 3, size: [2 ** 40, 2 ** 40] }, f32Bytes([1, 2, 3])), 'lie past the storage');
  });

  it('a non-contiguous stride, naming size and stride', () => {
    const transposed = oneTensor({ numel: 6, size: [2, 3], stride: [1, 2] }, f32Bytes([1, 2, 3, 4, 5, 6]));
    refuses(transposed, 'tensor "w"', 'size [2, 3] with stride [1, 2] is not contiguous');
    refuses(oneTensor({ numel: 6, size: [3], stride: [2] }, f32Bytes([1, 2, 3, 4, 5, 6])), 'stride [2]');
  });

  it('storage types other than Float, Double, Half and BFloat16, naming them', () => {
    const longs = new Uint8Array(16);
    refuses(oneTensor({ numel: 2, storageType: 'LongStorage' }, longs), 'torch.LongStorage is not supported');
    refuses(oneTensor({ numel: 16, storageType: 'UntypedStorage' }, longs), 'torch.UntypedStorage');
    refuses(oneTensor({ numel: 2, storageType: 'ComplexFloatStorage' }, longs), 'torch.ComplexFloatStorage');
  });

  it('a top level that is not a dict of str to tensors', () => {
    const list = pk().proto().op('EMPTY_LIST').stop().bytes();
    refuses(torchZip({ 'data.pkl': list }), 'archive/data.pkl holds a list, not a dict of str keys to tensors');
    const intKey = pk().proto().op('EMPTY_DICT').int(1).str('x').op('SETITEM').stop().bytes();
    refuses(torchZip({ 'data.pkl': intKey }), 'has a int key, not a str');
    const notTensor = pk().proto().orderedDict().str('step').int(3).op('SETITEM').stop().bytes();
    refuses(torchZip({ 'data.pkl': notTensor }), 'entry "step" is a int, not a tensor');
    const nested = pk().proto().op('EMPTY_DICT').str('state').op('EMPTY_DICT').op('SETITEM').stop().bytes();
    refuses(torchZip({ 'data.pkl': nested }), 'entry "state" is a dict');
  });

  it('a hostile data.pkl, naming the global', () => {
    const evil = pk()
      .proto()
      .global('os', 'system')
      .tuple((a) => a.str('rm -rf /'))
      .op('REDUCE')
      .stop()
      .bytes();
    refuses(torchZip({ 'data.pkl': evil }, 'mlp'), 'mlp/data.pkl, offset 2', '"os.system" is not allowed');
    const stack = pk().proto(4).shortStr('builtins').shortStr('eval').op('STACK_GLOBAL').stop().bytes();
    refuses(torchZip({ 'data.pkl': stack }), '"builtins.eval" is not allowed');
    refuses(torchZip({ 'data.pkl': Uint8Array.from([0x80, 2, 0xfe]) }), 'unknown opcode 0xfe', 'offset 2');
    const zip = fixture('mlp.pt');
    const pkl = readTorchStateDictPickle(zip);
    refuses(torchZip({ 'data.pkl': pkl.subarray(0, 200) }), 'archive/data.pkl');
  });

  it('a big-endian byteorder record, and one that is neither', () => {
    const zip = (order: string) => oneTensor({ numel: 1 }, f32Bytes([1]), { byteorder: Buffer.from(order) });
    const err = refuses(zip('big'), 'big-endian', 'only little-endian');
    expect(err.param).toBe('byteorder');
    refuses(zip('middle'), 'byteorder record "middle" is neither');
    expect(readTorchStateDict(zip('little')).tensors[0].data).toEqual(Float32Array.from([1]));
  });

  it('compression methods other than stored and deflated', () => {
    const zip = oneTensor({ numel: 1 }, f32Bytes([1])).slice();
    const view = new DataView(zip.buffer);
    for (const at of headers(zip, CENTRAL)) view.setUint16(at + 10, 14, true);
    for (const at of headers(zip, LOCAL)) view.setUint16(at + 8, 14, true);
    refuses(zip, 'uses compression method 14; only stored (0) and deflated (8)');
  });

  it('zip bombs: an entry, all entries together, or data.pkl declaring more than its limit', () => {
    const storages = { 'data/0': new Uint8Array(4096), 'data/1': new Uint8Array(4096) };
    const deflated = torchZip({ 'data.pkl': stateDictPickle([]), ...storages }, 'archive', 6);
    const one = deflated.slice();
    const central = headers(one, CENTRAL);
    new DataView(one.buffer).setUint32(central[1] + 24, TORCH_PT_MAX_BYTES + 1, true);
    refuses(one, `decompress to more than ${TORCH_PT_MAX_BYTES} bytes`);
    const both = deflated.slice();
    for (const at of central.slice(1)) new DataView(both.buffer).setUint32(at + 24, TORCH_PT_MAX_BYTES / 2 + 1, true);
    refuses(both, 'zip bomb');
    const pickle = deflated.slice();
    new DataView(pickle.buffer).setUint32(central[0] + 24, TORCH_PT_MAX_PICKLE_BYTES + 1, true);
    refuses(pickle, `"archive/data.pkl" is ${TORCH_PT_MAX_PICKLE_BYTES + 1} bytes, more than`);
  });

  it('a stored entry whose sizes disagree, or that is cut short', () => {
    const zip = oneTensor({ numel: 1 }, f32Bytes([1])).slice();
    const view = new DataView(zip.buffer);
    const central = headers(zip, CENTRAL);
    const mismatch = zip.slice();
    new DataView(mismatch.buffer).setUint32(central[1] + 24, 8, true);
    refuses(mismatch, '"archive/data/0" declares 4 bytes stored for 8');
    view.setUint32(central[1] + 20, 1 << 20, true);
    view.setUint32(central[1] + 24, 1 << 20, true);
    refuses(zip, '"archive/data/0" is truncated or damaged');
  });

  it('an entry listed twice', () => {
    const zip = oneTensor({ numel: 1 }, f32Bytes([1]), { 'datb/0': f32Bytes([2]) }).slice();
    // Rename archive/datb/0 to archive/data/0 in both headers.
    const name = 'archive/datb/0';
    for (let at = Buffer.from(zip).indexOf(name); at >= 0; at = Buffer.from(zip).indexOf(name, at + 1)) {
      zip[at + 11] = 0x61;
    }
    refuses(zip, 'lists entry "archive/data/0" twice');
  });
});

/** The data.pkl record of a fixture. */
function readTorchStateDictPickle(zip: Uint8Array): Uint8Array {
  const at = Buffer.from(zip).indexOf('mlp/data.pkl');
  const local = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  const start = at - 30;
  const size = local.getUint32(start + 18, true);
  const data = at + local.getUint16(start + 26, true) + local.getUint16(start + 28, true);
  return zip.subarray(data, data + size);
}
