import type { Engine } from '../engine/index.ts';
import { ValidationError } from '../params/error.ts';

/**
 * The linear-memory blocks of one model, parameter or optimizer, as the FinalizationRegistry holds them: the
 * registry keeps this record (never the object), so an object no longer reachable is collected and its blocks
 * are freed. `blocks` is live: an object that reallocates (a model's activations) updates it.
 */
export interface HeldBlocks {
  /** The engine whose memory holds the blocks. */
  readonly engine: Engine;
  /** Byte offsets of the blocks, each from `engine.alloc`. */
  readonly blocks: number[];
}

const registry: FinalizationRegistry<HeldBlocks> | null =
  typeof FinalizationRegistry === 'function'
    ? new FinalizationRegistry((held: HeldBlocks) => {
        for (const ptr of held.blocks) held.engine.free(ptr);
        held.blocks.length = 0;
      })
    : null;

/**
 * Registers `owner`'s blocks to be freed once `owner` is garbage-collected; returns the record to update and to
 * pass to `releaseBlocks` on dispose.
 */
export function holdBlocks(owner: object, engine: Engine, blocks: number[]): HeldBlocks {
  const held: HeldBlocks = { engine, blocks };
  registry?.register(owner, held, owner);
  return held;
}

/** `dispose()`: unregisters `owner` and frees its blocks now. */
export function releaseBlocks(owner: object, held: HeldBlocks): void {
  registry?.unregister(owner);
  for (const ptr of held.blocks) held.engine.free(ptr);
  held.blocks.length = 0;
}

/** The refusal of any use of a disposed object: `Adam was disposed: build a new optimizer`. */
export function disposedError(where: string, name: string, kind: 'model' | 'optimizer'): ValidationError {
  return new ValidationError(
    where,
    'this',
    `a ${kind} that was not disposed`,
    'disposed',
    `${where}: ${name} was disposed: build a new ${kind}`,
  );
}
