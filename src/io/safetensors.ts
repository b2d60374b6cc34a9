import { parseStrictJson, StrictJsonError } from './strict_json.ts';
import { FileFormatError, type NamedTensor, type TensorFile, type TensorToWrite } from './tensors.ts';

/**
 * The safetensors format (https://github.com/huggingface/safetensors, README "Format"): an 8-byte little-endian
 * u64 N; N bytes of UTF-8 JSON `{"__metadata__": {str: str}, name: {"dtype", "shape", "data_offsets"}}`, padded
 * with spaces to a multiple of 8; then the tensors' raw little-endian row-major bytes back to back, offsets
 * relative to the start of that data section. Read and written here as the reference implementation
 * (safetensors/src/tensor.rs) does it, with its checks.
 */

/** The largest header the reference implementation reads (MAX_HEADER_SIZE, 100 MB). */
export const MAX_HEADER_BYTES = 100_000_000;

/** Bytes per element of every dtype the format defines; the ones read here are in READERS. */
const DTYPE_BYTES: Record<string, number> = {
  BOOL: 1,
  U8: 1,
  I8: 1,
  F8_E5M2: 1,
  F8_E4M3: 1,
  I16: 2,
  U16: 2,
  F16: 2,
  BF16: 2,
  I32: 4,
  U32: 4,
  F32: 4,
  F64: 8,
  I64: 8,
  U64: 8,
};

/** The floating dtypes read (converted to f32): f32 exactly, f64 rounded to nearest, f16 and bf16 exactly. */
const READERS: Record<string, (view: DataView, at: number) => number> = {
  F32: (v, at) => v.getFloat32(at, true),
  F64: (v, at) => v.getFloat64(at, true),
  F16: (v, at) => halfToNumber(v.getUint16(at, true)),
  BF16: (v, at) => {
    const scratch = new DataView(new ArrayBuffer(4));
    scratch.setUint32(0, v.getUint16(at, true) << 16);
    return scratch.getFloat32(0);
  },
};

/** IEEE 754 binary16 to a number (exact: every f16 is an f32). */
function halfToNumber(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 0x1f) return frac ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

/** UTF-8 byte order of two strings, as Rust compares `String`s (JS `<` compares UTF-16 units). */
function compareUtf8(a: string, b: string): number {
  const ea = new TextEncoder().encode(a);
  const eb = new TextEncoder().encode(b);
  const n = Math.min(ea.length, eb.length);
  for (let i = 0; i < n; i++) if (ea[i] !== eb[i]) return ea[i] - eb[i];
  return ea.length - eb.length;
}

const WELL_FORMED = /^(?:[^\ud800-\udfff]|[\ud800-\udbff][\udc00-\udfff])*$/;

/**
 * The bytes of a safetensors file holding `tensors` as F32, byte-identical to what the reference
 * implementation (`safetensors.torch.save_file`, `serialize` in tensor.rs) writes for them: compact JSON,
 * `__metadata__` first, tensors ordered by name (one dtype: the reference orders by dtype, then name) and laid
 * out back to back in that order, the header padded with spaces to a multiple of 8.
 * @param tensors name to tensor; `__metadata__` is not a tensor name
 * @param metadata string to string, written as `__metadata__` (omitted when undefined)
 */
export function writeSafetensors(
  tensors: Readonly<Record<string, TensorToWrite>> | ReadonlyMap<string, TensorToWrite>,
  metadata?: Readonly<Record<string, string>>,
): Uint8Array {
  const where = 'writeSafetensors';
  const entries: [string, TensorToWrite][] =
    tensors instanceof Map ? [...tensors] : Object.entries(tensors as Readonly<Record<string, TensorToWrite>>);
  const header: Record<string, unknown> = {};
  if (metadata !== undefined) {
    for (const [k, v] of Object.entries(metadata)) {
      if (typeof v !== 'string' || !WELL_FORMED.test(k) || !WELL_FORMED.test(v)) {
        throw new FileFormatError(where, `__metadata__.${k}`, 'a string', v, `metadata ${k} must be a string`);
      }
    }
    header.__metadata__ = { ...metadata };
  }
  entries.sort(([a], [b]) => compareUtf8(a, b));
  let offset = 0;
  for (const [name, t] of entries) {
    if (name === '__metadata__' || !WELL_FORMED.test(name)) {
      throw new FileFormatError(where, name, 'a tensor name other than __metadata__', name, `bad tensor name ${name}`);
    }
    const count = t.shape.reduce((a, b) => a * b, 1);
    if (!t.shape.every((d) => Number.isSafeInteger(d) && d >= 0) || count !== t.data.length) {
      throw new FileFormatError(
        where,
        name,
        `a shape whose product is the value count (${t.data.length})`,
        t.shape,
        `tensor ${name}: shape [${t.shape.join(', ')}] does not hold ${t.data.length} values`,
      );
    }
    header[name] = { dtype: 'F32', shape: [...t.shape], data_offsets: [offset, offset + 4 * count] };
    offset += 4 * count;
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  const headerBytes = json.length + ((8 - (json.length % 8)) % 8);
  const out = new Uint8Array(8 + headerBytes + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(headerBytes), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + headerBytes);
  let at = 8 + headerBytes;
  for (const [, t] of entries) {
    for (let i = 0; i < t.data.length; i++, at += 4) view.setFloat32(at, t.data[i], true);
  }
  return out;
}

/** Which entry of the header a check is about, for messages. */
interface HeaderEntry {
  name: string;
  dtype: string;
  shape: number[];
  begin: number;
  end: number;
}

/**
 * Reads a safetensors file: the reference implementation's checks (header length within the file and at most
 * 100 MB, UTF-8 JSON object starting with `{`, each entry a known dtype, a shape of non-negative integers and
 * `data_offsets` [begin, end] whose length is dtype size × elements, tensors back to back without gap or overlap,
 * the data section ending with the last tensor), plus: no duplicate keys, `__metadata__` strings only, and only
 * the floating dtypes (F32, F64, F16, BF16) as they convert to f32. Every refusal is a FileFormatError naming
 * `file` and what is wrong.
 * @param file the path or name shown in errors (`bytes` when not given)
 */
export function readSafetensors(bytes: Uint8Array, file = 'bytes'): TensorFile {
  const fail = (part: string, allowed: string, got: unknown, detail: string): never => {
    throw new FileFormatError(file, part, allowed, got, detail);
  };
  if (!(bytes instanceof Uint8Array)) fail('file', 'the bytes of a safetensors file', typeof bytes, 'not bytes');
  if (bytes.length < 8) {
    fail('header', 'at least 8 bytes', bytes.length, `not a safetensors file: ${bytes.length} bytes, too short`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = view.getBigUint64(0, true);
  if (n > BigInt(MAX_HEADER_BYTES)) {
    fail('header', `a header of at most ${MAX_HEADER_BYTES} bytes`, String(n), `header length ${n} is above 100 MB`);
  }
  const headerBytes = Number(n);
  if (8 + headerBytes > bytes.length) {
    fail(
      'header',
      `a header within the file (${bytes.length - 8} bytes after the length)`,
      headerBytes,
      `header length ${headerBytes} runs past the end of the file (${bytes.length} bytes): ` +
        'truncated, or not a safetensors file',
    );
  }
  let text = '';
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + headerBytes));
  } catch {
    fail('header', 'UTF-8 JSON', 'invalid UTF-8', 'the header is not valid UTF-8');
  }
  if (!text.startsWith('{'))
    fail('header', "JSON starting with '{'", text.slice(0, 20), "the header does not start with '{'");
  let parsed: unknown;
  try {
    parsed = parseStrictJson(text.replace(/ +$/, ''));
  } catch (err) {
    const why = err instanceof StrictJsonError ? err.message : String(err);
    fail('header', 'a JSON object without duplicate keys', text.slice(0, 40), `the header is not valid JSON: ${why}`);
  }
  const header = parsed as Record<string, unknown>;
  let metadata: Record<string, string> | null = null;
  const entries: HeaderEntry[] = [];
  for (const [name, info] of Object.entries(header)) {
    if (name === '__metadata__') {
      metadata = readMetadata(info, fail);
      continue;
    }
    entries.push(readEntry(name, info, fail));
  }
  entries.sort((a, b) => a.begin - b.begin || a.end - b.end);
  const dataBytes = bytes.length - 8 - headerBytes;
  let pos = 0;
  for (const e of entries) {
    if (e.begin !== pos) {
      fail(
        e.name,
        `data_offsets starting at ${pos} (tensors back to back, no gap or overlap)`,
        [e.begin, e.end],
        `tensor ${e.name}: data_offsets [${e.begin}, ${e.end}] ${e.begin < pos ? 'overlap' : 'leave a gap after'} ` +
          `the tensor before (which ends at ${pos})`,
      );
    }
    const want = DTYPE_BYTES[e.dtype] * e.shape.reduce((a, b) => a * b, 1);
    if (e.end - e.begin !== want) {
      fail(
        e.name,
        `${want} bytes (${e.dtype} × [${e.shape.join(', ')}])`,
        e.end - e.begin,
        `tensor ${e.name}: data_offsets [${e.begin}, ${e.end}] hold ${e.end - e.begin} bytes, ` +
          `but ${e.dtype} of shape [${e.shape.join(', ')}] needs ${want}`,
      );
    }
    if (e.end > dataBytes) {
      fail(
        e.name,
        `offsets within the data (${dataBytes} bytes)`,
        [e.begin, e.end],
        `tensor ${e.name}: data_offsets [${e.begin}, ${e.end}] run past the end of the file ` +
          `(${dataBytes} bytes of data): truncated`,
      );
    }
    pos = e.end;
  }
  if (pos !== dataBytes) {
    fail(
      'data',
      `${pos} bytes of data (what the header describes)`,
      dataBytes,
      `the file has ${dataBytes} bytes of data but the header describes ${pos}`,
    );
  }
  for (const e of entries) {
    if (!READERS[e.dtype]) {
      fail(
        e.name,
        'F32, F64, F16 or BF16',
        e.dtype,
        `tensor ${e.name}: dtype ${e.dtype} cannot be read as weights (F32, F64, F16 or BF16)`,
      );
    }
  }
  const base = 8 + headerBytes;
  const tensors: NamedTensor[] = entries.map((e) => {
    const read = READERS[e.dtype];
    const size = DTYPE_BYTES[e.dtype];
    const data = new Float32Array((e.end - e.begin) / size);
    for (let i = 0; i < data.length; i++) data[i] = read(view, base + e.begin + i * size);
    return { name: e.name, dtype: e.dtype, shape: e.shape, data };
  });
  return { metadata, tensors };
}

type Fail = (part: string, allowed: string, got: unknown, detail: string) => never;

function readMetadata(info: unknown, fail: Fail): Record<string, string> {
  if (typeof info !== 'object' || info === null || Array.isArray(info)) {
    return fail('__metadata__', 'an object of strings', info, '__metadata__ must be an object of string to string');
  }
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(info)) {
    if (typeof v !== 'string') fail(`__metadata__.${k}`, 'a string', v, `__metadata__ ${k} must be a string`);
    out[k] = v as string;
  }
  return out;
}

function readEntry(name: string, info: unknown, fail: Fail): HeaderEntry {
  if (typeof info !== 'object' || info === null || Array.isArray(info)) {
    return fail(
      name,
      'an object {dtype, shape, data_offsets}',
      info,
      `tensor ${name}: not {dtype, shape, data_offsets}`,
    );
  }
  const { dtype, shape, data_offsets: offsets, ...rest } = info as Record<string, unknown>;
  const extra = Object.keys(rest);
  if (extra.length) fail(name, 'only dtype, shape, data_offsets', extra, `tensor ${name}: unknown field ${extra[0]}`);
  if (typeof dtype !== 'string' || !Object.hasOwn(DTYPE_BYTES, dtype)) {
    fail(
      name,
      `a dtype (${Object.keys(DTYPE_BYTES).join(', ')})`,
      dtype,
      `tensor ${name}: unknown dtype ${JSON.stringify(dtype)}`,
    );
  }
  const isIndex = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
  if (!Array.isArray(shape) || !shape.every(isIndex)) {
    fail(
      name,
      'a shape: a list of integers >= 0',
      shape,
      `tensor ${name}: shape ${JSON.stringify(shape)} is not a list of integers >= 0`,
    );
  }
  const dims = shape as number[];
  let count = 1;
  for (const d of dims) count *= d;
  if (!Number.isSafeInteger(count * DTYPE_BYTES[dtype as string])) {
    fail(name, 'a shape of fewer than 2^53 bytes', dims, `tensor ${name}: shape [${dims.join(', ')}] is too large`);
  }
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isIndex) || offsets[1] < offsets[0]) {
    fail(
      name,
      'data_offsets [begin, end], integers with 0 <= begin <= end',
      offsets,
      `tensor ${name}: data_offsets ${JSON.stringify(offsets)} are not [begin, end] with 0 <= begin <= end`,
    );
  }
  const [begin, end] = offsets as number[];
  return { name, dtype: dtype as string, shape: dims, begin, end };
}
