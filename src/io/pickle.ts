/**
 * A restricted unpickler for the `data.pkl` of a `torch.save(state_dict)` archive, modelled on PyTorch's
 * `torch/_weights_only_unpickler.py` (what `torch.load(weights_only=True)` runs). It reads the binary opcodes of
 * pickle protocols 2–5 that a state dict needs and builds plain values from them; it never runs anything. A
 * global is resolved only against a short allow-list (`collections.OrderedDict`, `torch._utils._rebuild_tensor_v2`,
 * `torch._utils._rebuild_parameter[_with_state]`, `torch.Size`, the `torch.XxxStorage` types and the `torch`
 * dtypes as names) and "calling" one of them builds the matching value here (an empty dict, a `PickleTensor`
 * record, a tuple); every other global, call, object construction and opcode is refused with a
 * `FileFormatError` naming the file, the offset and what was found.
 *
 * Ints are bigints (Python ints are unbounded), floats numbers, `str` strings, `bytes` Uint8Arrays, `None` null.
 * @module
 */
import { FileFormatError } from './tensors.ts';

/** What an allowed global is: a function the unpickler emulates, or a name usable only as a token. */
export type PickleGlobalKind =
  | 'OrderedDict'
  | 'rebuild_tensor_v2'
  | 'rebuild_parameter'
  | 'rebuild_parameter_with_state'
  | 'Size'
  | 'storage_type'
  | 'dtype';

/** A Python value as the unpickler builds it. */
export type PickleValue =
  | null
  | boolean
  | bigint
  | number
  | string
  | Uint8Array
  | PickleTuple
  | PickleList
  | PickleDict
  | PickleGlobal
  | PickleStorage
  | PickleTensor;

/** A Python tuple. */
export class PickleTuple {
  /** @param items the tuple's items */
  constructor(
    /** The tuple's items. */
    readonly items: readonly PickleValue[],
  ) {}
}

/** A Python list. */
export class PickleList {
  /** The list's items (APPEND / APPENDS add to it). */
  readonly items: PickleValue[] = [];
}

/** The longest canonical form of a dict key; a longer key is refused (a tuple DAG can be exponentially wide). */
const MAX_KEY_LENGTH = 1 << 16;
/** How deeply tuples may nest inside a dict key. */
const MAX_KEY_DEPTH = 32;
const keyCache = new WeakMap<PickleTuple, string | undefined>();

/**
 * The canonical text of a hashable key, equal for keys Python's dict treats as equal (`1`, `1.0`, `True`), or
 * undefined for a key this unpickler does not hash (a list, a dict, a tensor; too long or too deep a tuple).
 */
export function pickleKeyHash(key: PickleValue, depth = 0): string | undefined {
  if (key === null) return 'N';
  if (typeof key === 'boolean') return key ? 'i1' : 'i0';
  if (typeof key === 'bigint') return `i${key}`;
  if (typeof key === 'number') return Number.isInteger(key) ? `i${BigInt(key)}` : `f${key}`;
  if (typeof key === 'string') return `s${key.length}:${key}`;
  if (key instanceof Uint8Array) return `b${key.length}:${Array.from(key, (b) => b.toString(16)).join('.')}`;
  if (key instanceof PickleGlobal) return `g${key.qualifiedName}`;
  if (!(key instanceof PickleTuple) || depth >= MAX_KEY_DEPTH) return undefined;
  if (keyCache.has(key)) return keyCache.get(key);
  let text: string | undefined = '(';
  for (const item of key.items) {
    const part = pickleKeyHash(item, depth + 1);
    if (part === undefined || text.length + part.length > MAX_KEY_LENGTH) {
      text = undefined;
      break;
    }
    text += `${part},`;
  }
  text = text === undefined ? undefined : `${text})`;
  keyCache.set(key, text);
  return text;
}

/** A Python dict or `collections.OrderedDict`: its entries in insertion order (a repeated key keeps its place). */
export class PickleDict {
  /** The attributes BUILD set on it (an OrderedDict's `_metadata`), or null. Kept, never interpreted. */
  attributes: PickleDict | null = null;
  private readonly index = new Map<string, number>();
  private readonly keyList: PickleValue[] = [];
  private readonly valueList: PickleValue[] = [];

  /** @param ordered whether it is a `collections.OrderedDict` (a plain dict keeps insertion order too) */
  constructor(
    /** Whether it is a `collections.OrderedDict`. */
    readonly ordered = false,
  ) {}

  /** The number of entries. */
  get size(): number {
    return this.keyList.length;
  }

  /** Sets `key` to `value`, as `d[key] = value`; returns false (and changes nothing) for an unhashable key. */
  set(key: PickleValue, value: PickleValue): boolean {
    const hash = pickleKeyHash(key);
    if (hash === undefined) return false;
    const at = this.index.get(hash);
    if (at !== undefined) {
      this.valueList[at] = value;
      return true;
    }
    this.index.set(hash, this.keyList.length);
    this.keyList.push(key);
    this.valueList.push(value);
    return true;
  }

  /** The value stored under `key`, or undefined. */
  get(key: PickleValue): PickleValue | undefined {
    const hash = pickleKeyHash(key);
    const at = hash === undefined ? undefined : this.index.get(hash);
    return at === undefined ? undefined : this.valueList[at];
  }

  /** The entries, in insertion order. */
  entries(): Array<[PickleValue, PickleValue]> {
    return this.keyList.map((key, i) => [key, this.valueList[i]]);
  }
}

/** An allowed global (`collections.OrderedDict`, `torch.FloatStorage`): a name, never an imported object. */
export class PickleGlobal {
  /**
   * @param module the module (`torch`)
   * @param name the name in it (`FloatStorage`)
   * @param kind what it stands for
   */
  constructor(
    /** The module (`torch`). */
    readonly module: string,
    /** The name in the module (`FloatStorage`). */
    readonly name: string,
    /** What it stands for. */
    readonly kind: PickleGlobalKind,
  ) {}

  /** `module.name`. */
  get qualifiedName(): string {
    return `${this.module}.${this.name}`;
  }
}

/** A storage named by a persistent id `('storage', torch.XxxStorage, key, location, numel)`. */
export class PickleStorage {
  /**
   * @param storageType the storage type's name (`FloatStorage`)
   * @param key the storage's record key (`0`, the archive's `data/0`)
   * @param location the device it was saved from (`cpu`, `cuda:0`)
   * @param numel its number of elements
   */
  constructor(
    /** The storage type's name (`FloatStorage`). */
    readonly storageType: string,
    /** The storage's record key (`0` for the archive's `data/0`). */
    readonly key: string,
    /** The device it was saved from (`cpu`, `cuda:0`). */
    readonly location: string,
    /** Its number of elements. */
    readonly numel: number,
  ) {}
}

/** A tensor as `torch._utils._rebuild_tensor_v2` describes it: a view of a storage. Holds no values. */
export class PickleTensor {
  /**
   * @param storage the storage it views
   * @param storageOffset the index of its first element in the storage
   * @param size its shape
   * @param stride the storage step of each dimension, in elements
   * @param requiresGrad the saved `requires_grad` flag
   */
  constructor(
    /** The storage it views. */
    readonly storage: PickleStorage,
    /** The index of its first element in the storage. */
    readonly storageOffset: number,
    /** Its shape. */
    readonly size: readonly number[],
    /** The storage step of each dimension, in elements. */
    readonly stride: readonly number[],
    /** The saved `requires_grad` flag. */
    readonly requiresGrad: boolean,
  ) {}
}

/** The storage types PyTorch pickles as `torch.<Name>`; allowed as names (tokens) only. */
export const TORCH_STORAGE_TYPES: readonly string[] = [
  'FloatStorage',
  'DoubleStorage',
  'HalfStorage',
  'BFloat16Storage',
  'LongStorage',
  'IntStorage',
  'ShortStorage',
  'CharStorage',
  'ByteStorage',
  'BoolStorage',
  'ComplexFloatStorage',
  'ComplexDoubleStorage',
  'QUInt8Storage',
  'QInt8Storage',
  'QInt32Storage',
  'QUInt4x2Storage',
  'QUInt2x4Storage',
  'UntypedStorage',
];

const TORCH_DTYPES = [
  'float32',
  'float',
  'float64',
  'double',
  'float16',
  'half',
  'bfloat16',
  'int64',
  'long',
  'int32',
  'int',
  'int16',
  'short',
  'int8',
  'uint8',
  'bool',
  'complex64',
  'complex128',
];

const ALLOWED: ReadonlyMap<string, PickleGlobalKind> = new Map<string, PickleGlobalKind>([
  ['collections.OrderedDict', 'OrderedDict'],
  ['torch._utils._rebuild_tensor_v2', 'rebuild_tensor_v2'],
  ['torch._utils._rebuild_parameter', 'rebuild_parameter'],
  ['torch._utils._rebuild_parameter_with_state', 'rebuild_parameter_with_state'],
  ['torch.Size', 'Size'],
  ...TORCH_STORAGE_TYPES.map((name): [string, PickleGlobalKind] => [`torch.${name}`, 'storage_type']),
  ...TORCH_DTYPES.map((name): [string, PickleGlobalKind] => [`torch.${name}`, 'dtype']),
]);

/** Every global the unpickler resolves (`module.name`) and what it stands for; any other is refused. */
export const PICKLE_ALLOWED_GLOBALS: ReadonlyMap<string, PickleGlobalKind> = ALLOWED;

const ALLOWED_SUMMARY =
  'collections.OrderedDict, torch._utils._rebuild_tensor_v2, torch._utils._rebuild_parameter(_with_state), ' +
  'torch.Size, and torch.XxxStorage / torch dtypes as names';

/** Every pickle opcode's name, so that a refusal can name the one it met. */
const OPCODE_NAMES: Readonly<Record<number, string>> = {
  40: 'MARK',
  46: 'STOP',
  48: 'POP',
  49: 'POP_MARK',
  50: 'DUP',
  70: 'FLOAT',
  73: 'INT',
  74: 'BININT',
  75: 'BININT1',
  76: 'LONG',
  77: 'BININT2',
  78: 'NONE',
  80: 'PERSID',
  81: 'BINPERSID',
  82: 'REDUCE',
  83: 'STRING',
  84: 'BINSTRING',
  85: 'SHORT_BINSTRING',
  86: 'UNICODE',
  88: 'BINUNICODE',
  97: 'APPEND',
  98: 'BUILD',
  99: 'GLOBAL',
  100: 'DICT',
  125: 'EMPTY_DICT',
  101: 'APPENDS',
  103: 'GET',
  104: 'BINGET',
  105: 'INST',
  106: 'LONG_BINGET',
  108: 'LIST',
  93: 'EMPTY_LIST',
  111: 'OBJ',
  112: 'PUT',
  113: 'BINPUT',
  114: 'LONG_BINPUT',
  115: 'SETITEM',
  116: 'TUPLE',
  41: 'EMPTY_TUPLE',
  117: 'SETITEMS',
  71: 'BINFLOAT',
  128: 'PROTO',
  129: 'NEWOBJ',
  130: 'EXT1',
  131: 'EXT2',
  132: 'EXT4',
  133: 'TUPLE1',
  134: 'TUPLE2',
  135: 'TUPLE3',
  136: 'NEWTRUE',
  137: 'NEWFALSE',
  138: 'LONG1',
  139: 'LONG4',
  66: 'BINBYTES',
  67: 'SHORT_BINBYTES',
  140: 'SHORT_BINUNICODE',
  141: 'BINUNICODE8',
  142: 'BINBYTES8',
  143: 'EMPTY_SET',
  144: 'ADDITEMS',
  145: 'FROZENSET',
  146: 'NEWOBJ_EX',
  147: 'STACK_GLOBAL',
  148: 'MEMOIZE',
  149: 'FRAME',
  150: 'BYTEARRAY8',
  151: 'NEXT_BUFFER',
  152: 'READONLY_BUFFER',
};

/** The name of pickle opcode `byte` (`BINPUT`), or undefined for a byte that is no opcode. */
export function pickleOpcodeName(byte: number): string | undefined {
  return Object.hasOwn(OPCODE_NAMES, byte) ? OPCODE_NAMES[byte] : undefined;
}

/** How many MARKs may be open at once; PyTorch's state dicts use three. */
export const MAX_MARK_DEPTH = 256;
/** The most dimensions a tensor may have. */
const MAX_DIMS = 64;
/** The longest GLOBAL line (module or name) read. */
const MAX_LINE = 1024;

/** A short type name for messages (`tuple`, `OrderedDict`, `global os.system`). */
export function describePickleValue(value: PickleValue): string {
  if (value === null) return 'None';
  if (typeof value === 'boolean') return 'bool';
  if (typeof value === 'bigint') return 'int';
  if (typeof value === 'number') return 'float';
  if (typeof value === 'string') return 'str';
  if (value instanceof Uint8Array) return 'bytes';
  if (value instanceof PickleTuple) return `tuple of ${value.items.length}`;
  if (value instanceof PickleList) return 'list';
  if (value instanceof PickleDict) return value.ordered ? 'OrderedDict' : 'dict';
  if (value instanceof PickleGlobal) return `global ${value.qualifiedName}`;
  if (value instanceof PickleStorage) return 'storage';
  return 'tensor';
}

/** `text` quoted for a message, cut to `max` characters. */
export function quoteShort(text: string, max = 80): string {
  return JSON.stringify(text.length > max ? `${text.slice(0, max)}…` : text);
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });

/** The value a non-negative int is, as a safe integer, or undefined. */
function toIndex(value: PickleValue): number | undefined {
  if (typeof value !== 'bigint' || value < 0n || value > BigInt(Number.MAX_SAFE_INTEGER)) return undefined;
  return Number(value);
}

/**
 * The pickle machine. One instance reads one pickle; every refusal goes through `Unpickler.fail`, so a
 * caller sees a FileFormatError and nothing else.
 */
class Unpickler {
  private pos = 0;
  /** Where the current opcode starts (for messages). */
  private at = 0;
  private readonly stack: PickleValue[] = [];
  private readonly marks: number[] = [];
  private readonly memo = new Map<number, PickleValue>();
  private readonly view: DataView;

  constructor(
    private readonly bytes: Uint8Array,
    private readonly file: string,
    private readonly part: string,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  fail(detail: string, allowed = 'a pickled PyTorch state dict', got: unknown = detail): never {
    throw new FileFormatError(this.file, this.part, allowed, got, `${this.part}, offset ${this.at}: ${detail}`);
  }

  run(): PickleValue {
    while (this.pos < this.bytes.length) {
      this.at = this.pos;
      const code = this.bytes[this.pos++];
      if (code === 0x2e) return this.stop();
      this.step(code);
    }
    this.at = this.pos;
    return this.fail('the pickle ends without STOP (truncated)', 'a pickle ending in STOP', 'end of data');
  }

  private stop(): PickleValue {
    if (this.marks.length > 0) this.fail('STOP inside an unclosed MARK');
    if (this.stack.length !== 1) this.fail(`STOP with ${this.stack.length} values on the stack, not 1`);
    if (this.pos !== this.bytes.length) {
      this.fail(`${this.bytes.length - this.pos} bytes after STOP`, 'nothing after STOP', this.bytes.length - this.pos);
    }
    return this.stack[0];
  }

  // ---- reading the opcode arguments ---------------------------------------------------------------------
  private need(n: number, what: string): number {
    if (n > this.bytes.length - this.pos) {
      this.fail(`${what} needs ${n} bytes, but the pickle ends ${this.bytes.length - this.pos} bytes later`);
    }
    const start = this.pos;
    this.pos += n;
    return start;
  }

  private u8(what: string): number {
    return this.bytes[this.need(1, what)];
  }

  private u16(what: string): number {
    return this.view.getUint16(this.need(2, what), true);
  }

  private u32(what: string): number {
    return this.view.getUint32(this.need(4, what), true);
  }

  /** A u64 length or index; one past the end of the pickle (or past 2^53) is refused. */
  private u64(what: string): number {
    const start = this.need(8, what);
    const lo = this.view.getUint32(start, true);
    const hi = this.view.getUint32(start + 4, true);
    if (hi >= 0x200000) this.fail(`${what} ${hi} * 2^32 + ${lo} is past the end of the pickle`);
    return hi * 2 ** 32 + lo;
  }

  private take(n: number, what: string): Uint8Array {
    const start = this.need(n, what);
    return this.bytes.subarray(start, start + n);
  }

  private text(n: number, what: string): string {
    const raw = this.take(n, what);
    try {
      return UTF8.decode(raw);
    } catch {
      return this.fail(`${what} is not valid UTF-8`);
    }
  }

  private line(what: string): string {
    const length = this.bytes.subarray(this.pos, this.pos + MAX_LINE + 1).indexOf(0x0a);
    if (length < 0) this.fail(`${what} is not a line of at most ${MAX_LINE} bytes`);
    const text = this.text(length, what);
    this.pos++;
    return text;
  }

  // ---- the stack ----------------------------------------------------------------------------------------
  private floor(): number {
    return this.marks.length > 0 ? this.marks[this.marks.length - 1] : 0;
  }

  private pop(op: string): PickleValue {
    if (this.stack.length <= this.floor()) this.fail(`${op} on an empty stack (stack underflow)`);
    return this.stack.pop() as PickleValue;
  }

  private top(op: string): PickleValue {
    if (this.stack.length <= this.floor()) this.fail(`${op} on an empty stack (stack underflow)`);
    return this.stack[this.stack.length - 1];
  }

  private popMark(op: string): PickleValue[] {
    const mark = this.marks.pop();
    if (mark === undefined) return this.fail(`${op} without a MARK`);
    return this.stack.splice(mark);
  }

  private popN(n: number, op: string): PickleValue[] {
    if (this.stack.length - this.floor() < n) this.fail(`${op} needs ${n} values on the stack (stack underflow)`);
    return this.stack.splice(this.stack.length - n);
  }

  private push(value: PickleValue): true {
    this.stack.push(value);
    return true;
  }

  private put(index: number, op: string): true {
    this.memo.set(index, this.top(op));
    return true;
  }

  private memoGet(index: number): PickleValue {
    const value = this.memo.get(index);
    if (value === undefined) this.fail(`memo entry ${index} was never stored`);
    return value;
  }

  // ---- the opcodes --------------------------------------------------------------------------------------
  private step(code: number): void {
    if (this.stepData(code) || this.stepContainer(code) || this.stepObject(code)) return;
    const name = pickleOpcodeName(code);
    const hex = `0x${code.toString(16).padStart(2, '0')}`;
    if (name === undefined) this.fail(`unknown opcode ${hex}`, 'a pickle opcode', hex);
    this.fail(`opcode ${name} (${hex}) is not allowed in a state dict`, 'the opcodes a state dict needs', name);
  }

  /** Opcodes that push a scalar or handle the protocol, framing and memo. */
  private stepData(code: number): boolean {
    const push = (value: PickleValue) => this.push(value);
    switch (code) {
      case 0x80: {
        const proto = this.u8('PROTO');
        if (proto < 2 || proto > 5) this.fail(`pickle protocol ${proto} is not supported (2 to 5)`, '2 to 5', proto);
        return true;
      }
      case 0x95:
        if (this.u64('FRAME length') > this.bytes.length - this.pos) this.fail('FRAME length is past the end');
        return true;
      case 0x4e:
        return push(null);
      case 0x88:
        return push(true);
      case 0x89:
        return push(false);
      case 0x4a:
        return push(BigInt(this.view.getInt32(this.need(4, 'BININT'), true)));
      case 0x4b:
        return push(BigInt(this.u8('BININT1')));
      case 0x4d:
        return push(BigInt(this.u16('BININT2')));
      case 0x8a:
        return push(this.long1());
      case 0x47:
        return push(this.view.getFloat64(this.need(8, 'BINFLOAT'), false));
      case 0x58:
        return push(this.text(this.u32('BINUNICODE length'), 'BINUNICODE'));
      case 0x8c:
        return push(this.text(this.u8('SHORT_BINUNICODE length'), 'SHORT_BINUNICODE'));
      case 0x8d:
        return push(this.text(this.u64('BINUNICODE8 length'), 'BINUNICODE8'));
      case 0x43:
        return push(this.take(this.u8('SHORT_BINBYTES length'), 'SHORT_BINBYTES').slice());
      case 0x42:
        return push(this.take(this.u32('BINBYTES length'), 'BINBYTES').slice());
      case 0x8e:
        return push(this.take(this.u64('BINBYTES8 length'), 'BINBYTES8').slice());
      case 0x71:
        return this.put(this.u8('BINPUT'), 'BINPUT');
      case 0x72:
        return this.put(this.u32('LONG_BINPUT'), 'LONG_BINPUT');
      case 0x94:
        return this.put(this.memo.size, 'MEMOIZE');
      case 0x68:
        return push(this.memoGet(this.u8('BINGET')));
      case 0x6a:
        return push(this.memoGet(this.u32('LONG_BINGET')));
      default:
        return false;
    }
  }

  private long1(): bigint {
    const raw = this.take(this.u8('LONG1 length'), 'LONG1');
    let value = 0n;
    for (let i = raw.length - 1; i >= 0; i--) value = (value << 8n) | BigInt(raw[i]);
    if (raw.length > 0 && raw[raw.length - 1] & 0x80) value -= 1n << BigInt(8 * raw.length);
    return value;
  }

  /** Opcodes that build or fill tuples, lists and dicts, and the stack's own MARK / POP / DUP. */
  private stepContainer(code: number): boolean {
    switch (code) {
      case 0x28:
        if (this.marks.length >= MAX_MARK_DEPTH) this.fail(`MARKs nested deeper than ${MAX_MARK_DEPTH}`);
        this.marks.push(this.stack.length);
        return true;
      case 0x30:
        this.pop('POP');
        return true;
      case 0x31:
        this.popMark('POP_MARK');
        return true;
      case 0x32:
        this.stack.push(this.top('DUP'));
        return true;
      case 0x29:
        this.stack.push(new PickleTuple([]));
        return true;
      case 0x5d:
        this.stack.push(new PickleList());
        return true;
      case 0x7d:
        this.stack.push(new PickleDict());
        return true;
      case 0x74:
        this.stack.push(new PickleTuple(this.popMark('TUPLE')));
        return true;
      case 0x85:
      case 0x86:
      case 0x87:
        this.stack.push(new PickleTuple(this.popN(code - 0x84, `TUPLE${code - 0x84}`)));
        return true;
      case 0x6c:
        return this.push(this.fillList(new PickleList(), this.popMark('LIST')));
      case 0x61:
        return this.append('APPEND', [this.pop('APPEND')]);
      case 0x65:
        return this.append('APPENDS', this.popMark('APPENDS'));
      case 0x64:
        return this.push(this.fillDict(new PickleDict(), this.popMark('DICT'), 'DICT'));
      case 0x73:
        return this.setItems('SETITEM', this.popN(2, 'SETITEM'));
      case 0x75:
        return this.setItems('SETITEMS', this.popMark('SETITEMS'));
      default:
        return false;
    }
  }

  private fillList(list: PickleList, items: PickleValue[]): PickleList {
    for (const item of items) list.items.push(item);
    return list;
  }

  private append(op: string, items: PickleValue[]): boolean {
    const list = this.top(op);
    if (!(list instanceof PickleList)) this.fail(`${op} to a ${describePickleValue(list)}, not a list`);
    this.fillList(list, items);
    return true;
  }

  private fillDict(dict: PickleDict, items: PickleValue[], op: string): PickleDict {
    if (items.length % 2 !== 0) this.fail(`${op} with an odd number (${items.length}) of keys and values`);
    for (let i = 0; i < items.length; i += 2) {
      if (!dict.set(items[i], items[i + 1])) {
        this.fail(`${op}: a ${describePickleValue(items[i])} cannot be a dict key here`, 'a hashable key');
      }
    }
    return dict;
  }

  private setItems(op: string, items: PickleValue[]): boolean {
    const dict = this.top(op);
    if (!(dict instanceof PickleDict)) this.fail(`${op} on a ${describePickleValue(dict)}, not a dict`);
    this.fillDict(dict, items, op);
    return true;
  }

  /** Opcodes that name globals, call them or set object state: only the allow-list's, emulated. */
  private stepObject(code: number): boolean {
    switch (code) {
      case 0x63: {
        const module = this.line('GLOBAL module');
        return this.push(this.global(module, this.line('GLOBAL name')));
      }
      case 0x93: {
        const name = this.pop('STACK_GLOBAL');
        const module = this.pop('STACK_GLOBAL');
        if (typeof module !== 'string' || typeof name !== 'string') {
          this.fail(`STACK_GLOBAL needs two str, got ${describePickleValue(module)}, ${describePickleValue(name)}`);
        }
        return this.push(this.global(module, name));
      }
      case 0x51:
        return this.push(this.persistentLoad(this.pop('BINPERSID')));
      case 0x52: {
        const args = this.pop('REDUCE');
        return this.push(this.call(this.pop('REDUCE'), args));
      }
      case 0x81: {
        const args = this.pop('NEWOBJ');
        return this.push(this.newObject(this.pop('NEWOBJ'), args));
      }
      case 0x62:
        return this.build(this.pop('BUILD'), this.top('BUILD'));
      default:
        return false;
    }
  }

  private global(module: string, name: string): PickleGlobal {
    const qualified = `${module}.${name}`;
    const kind = ALLOWED.get(qualified);
    if (kind === undefined) {
      const hint = /^(__main__|torch)\b/.test(module)
        ? '; a whole pickled model (torch.save(model)) is not read: save model.state_dict() instead'
        : '';
      const detail = `global ${quoteShort(qualified)} is not allowed`;
      this.fail(
        `${detail} (nothing in the file is run; allowed: ${ALLOWED_SUMMARY})${hint}`,
        ALLOWED_SUMMARY,
        qualified,
      );
    }
    return new PickleGlobal(module, name, kind);
  }

  /** BINPERSID: `('storage', torch.XxxStorage, key, location, numel)`, as torch.save writes it. */
  private persistentLoad(pid: PickleValue): PickleStorage {
    const form = "a persistent id ('storage', torch.XxxStorage, key: str, location: str, numel: int)";
    if (!(pid instanceof PickleTuple) || pid.items.length !== 5) {
      return this.fail(`the persistent id is a ${describePickleValue(pid)}, not ${form}`, form);
    }
    const [tag, type, key, location, numel] = pid.items;
    const count = toIndex(numel);
    if (tag !== 'storage') this.fail(`a persistent id of kind ${describePickleValue(tag)}, not 'storage'`, form);
    if (!(type instanceof PickleGlobal) || type.kind !== 'storage_type') {
      return this.fail(`the persistent id's storage type is a ${describePickleValue(type)}`, form);
    }
    if (typeof key !== 'string' || typeof location !== 'string' || count === undefined) {
      return this.fail(`the persistent id's key, location or numel is malformed`, form);
    }
    return new PickleStorage(type.name, key, location, count);
  }

  /** REDUCE: only the allow-list's functions, each emulated on checked arguments. */
  private call(fn: PickleValue, args: PickleValue): PickleValue {
    if (!(fn instanceof PickleGlobal)) return this.fail(`REDUCE calls a ${describePickleValue(fn)}`);
    if (!(args instanceof PickleTuple)) {
      return this.fail(`REDUCE calls ${fn.qualifiedName} with a ${describePickleValue(args)}, not a tuple`);
    }
    const a = args.items;
    switch (fn.kind) {
      case 'OrderedDict':
        if (a.length !== 0) this.fail(`collections.OrderedDict called with ${a.length} arguments, not ()`, '()');
        return new PickleDict(true);
      case 'rebuild_tensor_v2':
        return this.rebuildTensor(a);
      case 'rebuild_parameter':
      case 'rebuild_parameter_with_state':
        return this.rebuildParameter(fn, a);
      case 'Size':
        if (a.length !== 1 || !(a[0] instanceof PickleTuple) || !a[0].items.every((d) => toIndex(d) !== undefined)) {
          this.fail('torch.Size called with something other than one tuple of ints', '(tuple of ints,)');
        }
        return a[0];
      default:
        return this.fail(`${fn.qualifiedName} cannot be called (it is allowed only as a name)`);
    }
  }

  private ints(value: PickleValue, what: string): number[] {
    const items = value instanceof PickleTuple ? value.items.map(toIndex) : undefined;
    if (items === undefined || items.length > MAX_DIMS || items.some((d) => d === undefined)) {
      return this.fail(`_rebuild_tensor_v2: ${what} is not a tuple of at most ${MAX_DIMS} non-negative ints`);
    }
    return items as number[];
  }

  /** `_rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])`. */
  private rebuildTensor(a: readonly PickleValue[]): PickleTensor {
    const form = '(storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])';
    if (a.length !== 6 && a.length !== 7) this.fail(`_rebuild_tensor_v2 called with ${a.length} arguments`, form);
    const [storage, offset, size, stride, requiresGrad, hooks] = a;
    if (!(storage instanceof PickleStorage)) {
      return this.fail(`_rebuild_tensor_v2's storage is a ${describePickleValue(storage)}`, form);
    }
    const start = toIndex(offset);
    if (start === undefined) return this.fail("_rebuild_tensor_v2's storage_offset is not a non-negative int", form);
    const shape = this.ints(size, 'size');
    const steps = this.ints(stride, 'stride');
    if (shape.length !== steps.length) this.fail(`_rebuild_tensor_v2: size and stride differ in length`, form);
    if (typeof requiresGrad !== 'boolean' || !(hooks instanceof PickleDict)) {
      return this.fail("_rebuild_tensor_v2's requires_grad or backward_hooks is malformed", form);
    }
    return new PickleTensor(storage, start, shape, steps, requiresGrad);
  }

  /** `_rebuild_parameter(data, requires_grad, backward_hooks)` (and `_with_state`, whose state is ignored). */
  private rebuildParameter(fn: PickleGlobal, a: readonly PickleValue[]): PickleTensor {
    const n = fn.kind === 'rebuild_parameter' ? 3 : 4;
    const [data, requiresGrad, hooks] = a;
    if (a.length !== n || !(data instanceof PickleTensor) || typeof requiresGrad !== 'boolean') {
      return this.fail(`${fn.name} called with malformed arguments`, `(tensor, requires_grad, backward_hooks...)`);
    }
    if (!(hooks instanceof PickleDict)) return this.fail(`${fn.name}'s backward_hooks is not a dict`);
    return new PickleTensor(data.storage, data.storageOffset, data.size, data.stride, requiresGrad);
  }

  /** NEWOBJ: `cls.__new__(cls, *args)`, for `collections.OrderedDict` with no arguments only. */
  private newObject(cls: PickleValue, args: PickleValue): PickleValue {
    if (cls instanceof PickleGlobal && cls.kind === 'OrderedDict' && args instanceof PickleTuple) {
      if (args.items.length === 0) return new PickleDict(true);
    }
    const what = cls instanceof PickleGlobal ? cls.qualifiedName : `a ${describePickleValue(cls)}`;
    return this.fail(`NEWOBJ of ${what} is not allowed (only collections.OrderedDict())`);
  }

  /** BUILD: only a dict's attributes (an OrderedDict's `_metadata`), kept but never interpreted. */
  private build(state: PickleValue, target: PickleValue): boolean {
    if (!(target instanceof PickleDict) || !(state instanceof PickleDict)) {
      this.fail(
        `BUILD sets the state of a ${describePickleValue(target)} from a ${describePickleValue(state)}; ` +
          "only a dict's attributes (an OrderedDict's _metadata) may be set",
      );
    }
    target.attributes = state;
    return true;
  }
}

/**
 * Unpickles `bytes` with the restricted machine: returns the pickled value, or throws a FileFormatError naming
 * `file`, `part` and the offset, for any opcode, global, call or layout a state dict does not need, and for
 * truncated or malformed input. Never runs anything from the input.
 * @param bytes the pickle (a `data.pkl` record)
 * @param file the file it came from, for messages
 * @param part the record inside the file, for messages (`archive/data.pkl`)
 */
export function unpickle(bytes: Uint8Array, file = 'bytes', part = 'pickle'): PickleValue {
  const machine = new Unpickler(bytes, file, part);
  try {
    return machine.run();
  } catch (err) {
    if (err instanceof FileFormatError) throw err;
    // Nothing else should escape; if something does, it is still this file's refusal.
    return machine.fail(`unreadable pickle (${(err as Error)?.message ?? String(err)})`);
  }
}
