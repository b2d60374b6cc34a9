/**
 * PyTorch's `torch.save(state_dict)` files: the zip format (the default since PyTorch 1.6). Every record sits
 * under one archive folder: `<archive>/data.pkl` (the pickled state dict), `<archive>/data/<key>` (each storage's
 * raw little-endian bytes), `<archive>/version`, and in newer versions `<archive>/byteorder` and `.data/…`.
 * `data.pkl` is read by the restricted unpickler of `pickle.ts`, which never runs code; each tensor is a view
 * `_rebuild_tensor_v2(storage, offset, size, stride, …)` of a storage named by a persistent id
 * `('storage', torch.XxxStorage, key, location, numel)`. Read here: Float, Double, Half and BFloat16 storages
 * (converted to f32) and contiguous (row-major) views. The legacy non-zip format is not read.
 * @module
 */
import { type UnzipFileInfo, unzipSync } from 'fflate';
import { describePickleValue, PickleDict, PickleTensor, type PickleValue, quoteShort, unpickle } from './pickle.ts';
import { FileFormatError, type NamedTensor, type TensorFile } from './tensors.ts';

/** The most bytes the records read from one archive may decompress to, together (a zip-bomb guard): 1 GiB. */
export const TORCH_PT_MAX_BYTES = 2 ** 30;
/** The largest `data.pkl` read: 64 MiB (a state dict of thousands of tensors pickles to well under 1 MiB). */
export const TORCH_PT_MAX_PICKLE_BYTES = 2 ** 26;
/** The most entries an archive may list. */
export const TORCH_PT_MAX_ENTRIES = 65_536;

/** The storage types read, their dtype name in NamedTensor and their element size. */
const STORAGE_DTYPES: Readonly<Record<string, { dtype: string; bytes: number }>> = {
  FloatStorage: { dtype: 'F32', bytes: 4 },
  DoubleStorage: { dtype: 'F64', bytes: 8 },
  HalfStorage: { dtype: 'F16', bytes: 2 },
  BFloat16Storage: { dtype: 'BF16', bytes: 2 },
};
const READ_TYPES = 'torch.FloatStorage, torch.DoubleStorage, torch.HalfStorage or torch.BFloat16Storage';
const STATE_DICT = 'a dict of str keys to tensors (torch.save(model.state_dict()))';

/** The archive's folder name and the records read from it (`data.pkl`, `byteorder`, `data/<key>`), by name. */
interface Archive {
  readonly prefix: string;
  readonly records: ReadonlyMap<string, Uint8Array>;
}

/** The zip-level refusal: `file: detail`. */
function zipFail(file: string, detail: string, allowed = 'a PyTorch zip checkpoint', got: unknown = detail): never {
  throw new FileFormatError(file, 'zip', allowed, got, detail);
}

/** Whether `bytes` start with the legacy (pre-1.6) torch.save magic: a pickled protocol-2 LONG1 magic number. */
function looksLegacy(bytes: Uint8Array): boolean {
  return bytes.length >= 3 && bytes[0] === 0x80 && bytes[1] === 0x02 && bytes[2] === 0x8a;
}

/** Refuses what is no zip archive at all, naming the legacy format when it looks like one. */
function checkZipMagic(bytes: Uint8Array, file: string): void {
  const local = bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04;
  if (local) return;
  const legacy = looksLegacy(bytes) ? ' (it looks like the legacy pre-1.6 format)' : '';
  zipFail(
    file,
    `not a PyTorch zip checkpoint${legacy}: torch.save writes a zip archive since PyTorch 1.6, and the legacy ` +
      'non-zip torch.save format is not supported (re-save it with torch.save(state_dict, path) in PyTorch >= 1.6)',
    'a zip archive starting with PK\\x03\\x04',
    Array.from(bytes.subarray(0, 4), (b) => b.toString(16).padStart(2, '0')).join(' '),
  );
}

/**
 * The filter handed to fflate: checks every entry as it is listed (one archive folder, known compression,
 * no duplicates, the size budget) and extracts only the records read. Throws a FileFormatError to stop.
 */
function entryFilter(file: string, declared: Map<string, number>) {
  const seen = new Set<string>();
  let prefix: string | null = null;
  let total = 0;
  return (info: UnzipFileInfo): boolean => {
    const name = info.name;
    if (seen.size >= TORCH_PT_MAX_ENTRIES) zipFail(file, `the archive lists more than ${TORCH_PT_MAX_ENTRIES} entries`);
    if (seen.has(name)) zipFail(file, `the archive lists entry ${quoteShort(name)} twice`);
    seen.add(name);
    const slash = name.indexOf('/');
    if (slash <= 0) zipFail(file, `entry ${quoteShort(name)} is not inside an archive folder (<archive>/…)`);
    const folder = name.slice(0, slash);
    if (prefix === null) prefix = folder;
    if (folder !== prefix) {
      zipFail(file, `the archive holds more than one archive folder (${quoteShort(prefix)}, ${quoteShort(folder)})`);
    }
    if (info.compression !== 0 && info.compression !== 8) {
      const method = `compression method ${info.compression}`;
      zipFail(file, `entry ${quoteShort(name)} uses ${method}; only stored (0) and deflated (8) entries are read`);
    }
    const rest = name.slice(slash + 1);
    if (rest !== 'data.pkl' && rest !== 'byteorder' && !rest.startsWith('data/')) return false;
    if (info.compression === 0 ? info.size !== info.originalSize : info.size === 0 && info.originalSize > 0) {
      zipFail(file, `entry ${quoteShort(name)} declares ${info.size} bytes stored for ${info.originalSize}`);
    }
    if (rest === 'data.pkl' && info.originalSize > TORCH_PT_MAX_PICKLE_BYTES) {
      zipFail(file, `${quoteShort(name)} is ${info.originalSize} bytes, more than ${TORCH_PT_MAX_PICKLE_BYTES}`);
    }
    total += info.originalSize;
    if (total > TORCH_PT_MAX_BYTES) {
      zipFail(file, `the archive's records decompress to more than ${TORCH_PT_MAX_BYTES} bytes (a zip bomb?)`);
    }
    declared.set(name, info.originalSize);
    return true;
  };
}

/** Unzips the records read, each checked against its declared size. */
function readArchive(bytes: Uint8Array, file: string): Archive {
  checkZipMagic(bytes, file);
  const declared = new Map<string, number>();
  let raw: Record<string, Uint8Array>;
  try {
    raw = unzipSync(bytes, { filter: entryFilter(file, declared) });
  } catch (err) {
    if (err instanceof FileFormatError) throw err;
    return zipFail(file, `not a readable zip archive (${(err as Error)?.message ?? String(err)})`);
  }
  const records = new Map<string, Uint8Array>();
  for (const [name, size] of declared) {
    const data = Object.hasOwn(raw, name) ? raw[name] : undefined;
    if (data === undefined || data.length !== size) {
      zipFail(file, `entry ${quoteShort(name)} is truncated or damaged (${data?.length ?? 0} of ${size} bytes)`);
    }
    records.set(name, data);
  }
  const first = declared.keys().next();
  const prefix = first.done ? '' : first.value.slice(0, first.value.indexOf('/'));
  if (!records.has(`${prefix}/data.pkl`)) {
    zipFail(file, 'the archive has no <archive>/data.pkl: not a torch.save checkpoint', '<archive>/data.pkl');
  }
  return { prefix, records };
}

/** Honours `<archive>/byteorder`: "little" (or no record, as older PyTorch writes) is read; anything else refused. */
function checkByteOrder(archive: Archive, file: string): void {
  const record = archive.records.get(`${archive.prefix}/byteorder`);
  if (record === undefined) return;
  const order = String.fromCharCode(...record.subarray(0, 16)).trim() + (record.length > 16 ? '…' : '');
  if (order === 'little') return;
  const detail =
    order === 'big'
      ? 'the storages are big-endian (byteorder "big"); only little-endian checkpoints are read'
      : `byteorder record ${quoteShort(order)} is neither "little" nor "big"`;
  throw new FileFormatError(file, 'byteorder', '"little"', order, detail);
}

/** The storage's bytes, checked against its type and numel; cached by key (tensors may share a storage). */
function storageBytes(archive: Archive, tensor: PickleTensor, key: string, file: string): Uint8Array {
  const { storage } = tensor;
  const fail = (allowed: string, got: unknown, detail: string): never => {
    throw new FileFormatError(file, key, allowed, got, `tensor ${quoteShort(key)}: ${detail}`);
  };
  const type = Object.hasOwn(STORAGE_DTYPES, storage.storageType) ? STORAGE_DTYPES[storage.storageType] : undefined;
  if (type === undefined) {
    return fail(
      READ_TYPES,
      storage.storageType,
      `storage type torch.${storage.storageType} is not supported (${READ_TYPES})`,
    );
  }
  const name = `${archive.prefix}/data/${storage.key}`;
  const data = archive.records.get(name);
  if (data === undefined)
    return fail(`a record ${name}`, storage.key, `its storage record ${quoteShort(name)} is missing`);
  const need = storage.numel * type.bytes;
  if (data.length !== need) {
    fail(
      `${need} bytes`,
      data.length,
      `storage ${quoteShort(name)} holds ${data.length} bytes, but ${storage.numel} ${storage.storageType} ` +
        `elements need ${need}`,
    );
  }
  return data;
}

/**
 * The tensor's element count, after checking that it is a contiguous (row-major) view lying inside its storage.
 * As in PyTorch's `is_contiguous`, a dimension of size 1 may have any stride, and an empty tensor any strides.
 */
function checkView(tensor: PickleTensor, key: string, file: string): number {
  const { size, stride, storageOffset, storage } = tensor;
  const fail = (allowed: string, got: unknown, detail: string): never => {
    throw new FileFormatError(file, key, allowed, got, `tensor ${quoteShort(key)}: ${detail}`);
  };
  if (size.includes(0)) return 0;
  let count = 1;
  for (let i = size.length - 1; i >= 0; i--) {
    if (size[i] !== 1 && stride[i] !== count) {
      fail(
        'a contiguous (row-major) tensor',
        stride,
        `size [${size.join(', ')}] with stride [${stride.join(', ')}] is not contiguous (row-major); ` +
          'save tensor.contiguous() instead',
      );
    }
    count *= size[i];
    if (count > storage.numel) break;
  }
  if (storageOffset > storage.numel || count > storage.numel - storageOffset) {
    fail(
      `a view inside the storage's ${storage.numel} elements`,
      storageOffset,
      `offset ${storageOffset} + ${count} elements of size [${size.join(', ')}] lie past the storage's ` +
        `${storage.numel} elements`,
    );
  }
  return count;
}

const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** f16 bits → f32 bits, exactly (subnormals normalised; NaN payloads kept). */
function halfToFloatBits(h: number): number {
  const sign = (h & 0x8000) << 16;
  const exp = (h >> 10) & 0x1f;
  let frac = h & 0x3ff;
  if (exp === 0x1f) return (sign | 0x7f800000 | (frac << 13)) >>> 0;
  if (exp !== 0) return (sign | ((exp + 112) << 23) | (frac << 13)) >>> 0;
  if (frac === 0) return sign >>> 0;
  let e = 113;
  while ((frac & 0x400) === 0) {
    frac <<= 1;
    e--;
  }
  return (sign | (e << 23) | ((frac & 0x3ff) << 13)) >>> 0;
}

/** `count` little-endian elements of `dtype` from `bytes`, as f32 (f64 rounded to nearest; the others exact). */
function toFloat32(bytes: Uint8Array, dtype: string, count: number): Float32Array {
  const out = new Float32Array(count);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (dtype === 'F32') {
    if (LITTLE_ENDIAN_HOST) new Uint8Array(out.buffer).set(bytes);
    else for (let i = 0; i < count; i++) out[i] = view.getFloat32(4 * i, true);
  } else if (dtype === 'F64') {
    for (let i = 0; i < count; i++) out[i] = view.getFloat64(8 * i, true);
  } else {
    const bits = new Uint32Array(out.buffer);
    const half = dtype === 'F16';
    for (let i = 0; i < count; i++) {
      const raw = view.getUint16(2 * i, true);
      bits[i] = half ? halfToFloatBits(raw) : (raw << 16) >>> 0;
    }
  }
  return out;
}

/** One state-dict entry as a NamedTensor. */
function readTensor(archive: Archive, key: string, tensor: PickleTensor, file: string): NamedTensor {
  const data = storageBytes(archive, tensor, key, file);
  const type = STORAGE_DTYPES[tensor.storage.storageType];
  const count = checkView(tensor, key, file);
  const start = tensor.storageOffset * type.bytes;
  const values = toFloat32(data.subarray(start, start + count * type.bytes), type.dtype, count);
  return { name: key, dtype: type.dtype, shape: [...tensor.size], data: values };
}

/** The state dict's entries, checked to be str → tensor, in the pickle's key order. */
function stateDictEntries(top: PickleValue, file: string, part: string): Array<[string, PickleTensor]> {
  if (!(top instanceof PickleDict)) {
    throw new FileFormatError(
      file,
      part,
      STATE_DICT,
      describePickleValue(top),
      `${part} holds a ${describePickleValue(top)}, not ${STATE_DICT}`,
    );
  }
  return top.entries().map(([key, value]): [string, PickleTensor] => {
    if (typeof key !== 'string') {
      const got = describePickleValue(key);
      throw new FileFormatError(file, part, STATE_DICT, got, `${part}: the state dict has a ${got} key, not a str`);
    }
    if (!(value instanceof PickleTensor)) {
      const got = describePickleValue(value);
      const detail = `entry ${quoteShort(key)} is a ${got}, not a tensor (${STATE_DICT})`;
      throw new FileFormatError(file, key, 'a tensor', got, detail);
    }
    return [key, value];
  });
}

/**
 * The tensors of a `torch.save(state_dict)` zip checkpoint, in the state dict's order, converted to f32 (Float
 * exactly, Double rounded to nearest, Half and BFloat16 exactly). `data.pkl` is read by a restricted unpickler
 * that never runs code (see `pickle.ts`). Refused, always with a FileFormatError naming `file` and the fault:
 * anything not a zip (the legacy non-zip torch.save format included), a zip without `<archive>/data.pkl` or with
 * more than one archive folder, entries neither stored nor deflated, more than 1 GiB of records, a big-endian
 * `byteorder`, any pickle a state dict does not need (other globals, calls, opcodes), a top level that is not a
 * dict of str → tensor, storage types other than Float/Double/Half/BFloat16, a missing or wrong-sized storage
 * record, and views that are not contiguous (row-major) or lie outside their storage. CRC-32s are not checked.
 * @param bytes the file's bytes
 * @param file the name shown in errors (a path); default `bytes`
 */
export function readTorchStateDict(bytes: Uint8Array, file = 'bytes'): TensorFile {
  try {
    const archive = readArchive(bytes, file);
    checkByteOrder(archive, file);
    const part = `${archive.prefix}/data.pkl`;
    const top = unpickle(archive.records.get(part) as Uint8Array, file, part);
    const tensors = stateDictEntries(top, file, part).map(([key, t]) => readTensor(archive, key, t, file));
    return { metadata: null, tensors };
  } catch (err) {
    if (err instanceof FileFormatError) throw err;
    const detail = `could not be read as a PyTorch checkpoint (${(err as Error)?.message ?? String(err)})`;
    throw new FileFormatError(file, 'file', 'a PyTorch zip checkpoint', detail, detail);
  }
}
