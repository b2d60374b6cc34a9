// A folder of checkpoints: names that sort by step, the latest by step (not by name), atomic writes, pruning.

import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { OutputError } from '../../src/report/output_dir.ts';
import {
  CheckpointWriter,
  checkpointFileName,
  latestCheckpoint,
  listCheckpoints,
  pruneCheckpoints,
  writeCheckpointFile,
} from '../../src/train/checkpoint_dir.ts';

const tmp = mkdtempSync(join(tmpdir(), 'anneal-ckdir-'));
let serial = 0;
const fresh = () => {
  const dir = join(tmp, `d${serial++}`);
  mkdirSync(dir);
  return dir;
};

describe('checkpoint folders', () => {
  it('name files so that they sort by step, for every step count the CLI allows', () => {
    expect(checkpointFileName(400)).toBe('step-000000400.safetensors');
    expect(checkpointFileName(100_000_000)).toBe('step-100000000.safetensors');
    const names = [5, 40, 400, 100_000_000].map(checkpointFileName);
    expect([...names].sort()).toEqual(names);
  });

  it('list checkpoints by step (other files ignored) and find the latest by step, not by name', () => {
    const dir = fresh();
    for (const name of ['step-30.safetensors', 'step-000000040.safetensors', 'step-5.safetensors', 'notes.txt']) {
      writeFileSync(join(dir, name), name);
    }
    writeFileSync(join(dir, '.step-000000050.safetensors.tmp-1'), '');
    mkdirSync(join(dir, 'step-000000060.safetensors'));
    expect(listCheckpoints(dir).map((c) => c.step)).toEqual([5, 30, 40]);
    expect(latestCheckpoint(dir)?.name).toBe('step-000000040.safetensors');
    expect(latestCheckpoint(join(dir, 'absent'))).toBeNull();
  });

  it('write atomically and prune the oldest beyond keep (0 keeps all); a failed write leaves nothing', () => {
    const dir = fresh();
    const writer = new CheckpointWriter(dir, 2);
    for (const step of [10, 20, 30]) writer.write(new Uint8Array([step]), step);
    expect(readdirSync(dir).sort()).toEqual(['step-000000020.safetensors', 'step-000000030.safetensors']);
    expect(writer.last).toBe(join(dir, 'step-000000030.safetensors'));
    expect(writer.lastStep).toBe(30);
    expect([...readFileSync(join(dir, 'step-000000030.safetensors'))]).toEqual([30]);
    expect(pruneCheckpoints(dir, 0)).toEqual([]);
    expect(pruneCheckpoints(dir, 1)).toEqual([join(dir, 'step-000000020.safetensors')]);
    mkdirSync(join(dir, 'step-000000040.safetensors'));
    expect(() => writeCheckpointFile(dir, 40, new Uint8Array(8))).toThrow(OutputError);
    expect(readdirSync(dir).sort()).toEqual(['step-000000030.safetensors', 'step-000000040.safetensors']);
  });
});
