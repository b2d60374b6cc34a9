import { M_OPS, OP_WORDS } from './layout';

// Raw access to descriptor words: every hot loop indexes linear memory directly, no bounds checks.
@inline export function word(base: usize, i: i32): i32 {
  return load<i32>(base + (<usize>i << 2));
}
@inline export function ptr(base: usize, i: i32): usize {
  return <usize>load<u32>(base + (<usize>i << 2));
}
@inline export function f64At(base: usize, i: i32): f64 {
  return load<f64>(base + (<usize>i << 3));
}
@inline export function opBase(model: usize, op: i32): usize {
  return model + (<usize>(M_OPS + op * OP_WORDS) << 2);
}
/** Samples are processed four at a time (one f32x4 lane each); padded lanes hold zeros. */
@inline export function roundUp4(n: i32): i32 {
  return (n + 3) & ~3;
}
@inline export function zeroF32(p: usize, count: i32): void {
  memory.fill(p, 0, <usize>count << 2);
}
