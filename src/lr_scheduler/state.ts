import type { JsonValue } from '../params/param_set.ts';
import type { StateDict } from '../params/state_reader.ts';

export type { JsonValue, StateDict };

/** JSON has no Infinity or NaN: such floats (ReduceLROnPlateau's `best`) are stored as "Infinity" etc. */
export function encodeFloat(value: number): number | string {
  return Number.isFinite(value) ? value : String(value);
}
