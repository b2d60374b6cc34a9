// First-fit allocator over the part of linear memory above the core's static data. Models and optimizers
// allocate their blocks once, at construction; nothing is allocated during a training step.

const ALIGN = 16;

interface FreeBlock {
  start: number;
  size: number;
}

export class LinearMemoryAllocator {
  private readonly free: FreeBlock[] = [];
  private readonly used = new Map<number, number>();
  private top: number;

  constructor(
    base: number,
    private readonly grow: (bytesNeeded: number) => void,
  ) {
    this.top = align(base);
  }

  /** Returns the byte offset of `bytes` zeroed bytes, 16-byte aligned. */
  alloc(bytes: number, zero: (ptr: number, bytes: number) => void): number {
    const size = align(Math.max(bytes, ALIGN));
    const index = this.free.findIndex((b) => b.size >= size);
    let ptr: number;
    if (index >= 0) {
      const block = this.free[index];
      ptr = block.start;
      if (block.size === size) this.free.splice(index, 1);
      else {
        block.start += size;
        block.size -= size;
      }
    } else {
      ptr = this.top;
      this.grow(ptr + size); // throws when the memory cannot grow, before anything here changes
      this.top = ptr + size;
    }
    this.used.set(ptr, size);
    zero(ptr, size);
    return ptr;
  }

  release(ptr: number): void {
    const size = this.used.get(ptr);
    if (size === undefined) throw new Error(`anneal: release of ${ptr}, which is not an allocated block`);
    this.used.delete(ptr);
    let i = this.free.findIndex((b) => b.start > ptr);
    if (i < 0) i = this.free.length;
    this.free.splice(i, 0, { start: ptr, size });
    const next = this.free[i + 1];
    if (next && ptr + size === next.start) {
      this.free[i].size += next.size;
      this.free.splice(i + 1, 1);
    }
    const prev = this.free[i - 1];
    if (prev && prev.start + prev.size === ptr) {
      prev.size += this.free[i].size;
      this.free.splice(i, 1);
    }
  }

  /** Bytes currently handed out. */
  get bytesInUse(): number {
    let total = 0;
    for (const size of this.used.values()) total += size;
    return total;
  }
}

function align(n: number): number {
  return Math.ceil(n / ALIGN) * ALIGN;
}
