// `anneal train`'s checkpoint files: atomic writes, --keep pruning, --resume DIR taking the latest, a NaN stop
// keeping the last good checkpoint, bad files and bad flags refused before training with clear errors.

import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readSafetensors, writeSafetensors } from '../../src/io/safetensors.ts';
import { nonFiniteTensor, readCheckpoint } from '../../src/train/checkpoint.ts';
import { runCli } from './run_cli.ts';

const tmp = mkdtempSync(join(tmpdir(), 'anneal-ckpt-'));
let serial = 0;
const fresh = () => join(tmp, `d${serial++}`);
const QUICK = ['--batch-size', '4', '--quiet'];
const names = (dir: string) => readdirSync(dir).sort();
const step = (n: number) => `step-${String(n).padStart(9, '0')}.safetensors`;

describe('checkpoint files', () => {
  it('are written every N steps and at the end; --keep K keeps the newest K (default 3, 0: all)', async () => {
    const a = fresh();
    expect(
      (await runCli('train', ...QUICK, '--steps', '250', '--checkpoint-every', '50', '--checkpoint-dir', a)).code,
    ).toBe(0);
    expect(names(a)).toEqual([step(150), step(200), step(250)]);
    const b = fresh();
    await runCli('train', ...QUICK, '--steps', '130', '--checkpoint-every', '50', '--checkpoint-dir', b, '--keep', '0');
    expect(names(b)).toEqual([step(50), step(100), step(130)]);
    const c = fresh();
    const { stdout } = await runCli(
      'train',
      '--steps',
      '100',
      '--checkpoint-every',
      '10',
      '--checkpoint-dir',
      c,
      '--keep',
      '1',
    );
    expect(names(c)).toEqual([step(100)]);
    expect(stdout).toContain(
      `checkpoints     every 10 steps in ${c} (keeping the newest 1); last ${join(c, step(100))}`,
    );
    expect(readCheckpoint(readFileSync(join(c, step(100)))).step).toBe(100);
  });

  it('are written atomically: a failed write leaves no file (and no temporary), the earlier ones intact', async () => {
    const dir = fresh();
    mkdirSync(join(dir, step(20)), { recursive: true }); // a folder where the step-20 file must go: the rename fails
    writeFileSync(join(dir, `.${step(10)}.tmp-999999999`), 'half a file of a writer that died'); // swept first
    const { code, stderr } = await runCli(
      'train',
      ...QUICK,
      '--steps',
      '30',
      '--checkpoint-every',
      '10',
      '--checkpoint-dir',
      dir,
    );
    expect(code).toBe(2);
    expect(stderr).toContain(`cannot write ${join(dir, step(20))}`);
    expect(names(dir)).toEqual([step(10), step(20)]); // step 10 whole, step 20 still the folder
    expect(readCheckpoint(readFileSync(join(dir, step(10)))).step).toBe(10);
  });

  it('--resume DIR takes the checkpoint with the highest step', async () => {
    const dir = fresh();
    await runCli('train', ...QUICK, '--steps', '120', '--checkpoint-every', '40', '--checkpoint-dir', dir);
    const { code, stdout } = await runCli('train', '--resume', dir, '--steps', '130');
    expect(code).toBe(0);
    expect(stdout).toContain(`resumed from    ${join(dir, step(120))} (step 120)`);
    expect(names(dir)).toEqual([step(80), step(120), step(130)]);
  });

  it('--resume with --out: history.csv and the charts cover the resumed steps, with their true indices', async () => {
    const dir = fresh();
    const out = fresh();
    await runCli('train', ...QUICK, '--steps', '40', '--checkpoint-every', '40', '--checkpoint-dir', dir);
    expect((await runCli('train', '--resume', dir, '--steps', '60', '--out', out, '--quiet')).code).toBe(0);
    const rows = readFileSync(join(out, 'history.csv'), 'utf8').trim().split('\n');
    expect(rows).toHaveLength(1 + 20 + 1);
    expect(rows[1].split(',')[0]).toBe('40');
    expect(rows[20].split(',')[0]).toBe('59');
    expect(rows[21].split(',').slice(0, 2)).toEqual(['60', '']);
    expect(JSON.parse(readFileSync(join(out, 'run.json'), 'utf8')).steps).toBe(60);
  });

  it('a NaN stop keeps the checkpoints written before it, the newest one the last good one', async () => {
    const dir = fresh();
    const diverging = ['--optimizer', 'SGD', '--lr', '0.1', '--scheduler', 'exponential', '--gamma', '100'];
    const { code, stderr } = await runCli(
      'train',
      ...diverging,
      '--steps',
      '40',
      '--checkpoint-every',
      '2',
      '--checkpoint-dir',
      dir,
    );
    expect(code).toBe(1);
    expect(stderr).toContain('the loss at step 21 is NaN');
    expect(stderr).toContain(`the checkpoints in ${dir} are kept: the newest is ${join(dir, step(20))} (step 20)`);
    expect(names(dir)).toEqual([step(16), step(18), step(20)]);
    for (const name of names(dir)) expect(nonFiniteTensor(readFileSync(join(dir, name)))).toBeNull();
    // Resumed, the run is the same run: it stops at the same step, and its checkpoints stay.
    const again = await runCli('train', '--resume', dir);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('the loss at step 21 is NaN');
    expect(names(dir)).toEqual([step(16), step(18), step(20)]);
  });
});

describe('refused before training, with clear errors', () => {
  const refuse = async (message: string | RegExp, ...args: string[]) => {
    const { code, stderr, stdout } = await runCli('train', ...args);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toMatch(message);
  };

  it('checkpoint flags that do not go together, or a folder that cannot be written', async () => {
    await refuse('--keep only applies with --checkpoint-every N', '--keep', '2');
    await refuse('--checkpoint-dir needs --checkpoint-every N', '--checkpoint-dir', fresh());
    await refuse('--checkpoint-every needs --checkpoint-dir DIR', '--checkpoint-every', '5');
    const file = join(tmp, 'a-file');
    writeFileSync(file, '');
    await refuse(
      `--checkpoint-dir ${file}: is a file, not a folder`,
      '--checkpoint-every',
      '5',
      '--checkpoint-dir',
      file,
    );
    await refuse(
      /cannot create the folder \(ENOTDIR\)/,
      '--checkpoint-every',
      '5',
      '--checkpoint-dir',
      join(file, 'sub'),
    );
    await refuse(/--checkpoint-every.*expected an integer in \[1, ∞\], got "0"/, '--checkpoint-every', '0');
  });

  it("a folder holding another run's checkpoints, or checkpoints after the step a run resumes at", async () => {
    const dir = fresh();
    await runCli('train', ...QUICK, '--steps', '60', '--checkpoint-every', '20', '--checkpoint-dir', dir);
    const before = names(dir);
    await refuse(
      `--checkpoint-dir ${dir}: it already holds checkpoints (${step(20)}, ${step(40)}, ${step(60)}) of another run: ` +
        `continue that run with --resume ${dir}, or give an empty folder`,
      ...QUICK,
      '--checkpoint-every',
      '10',
      '--checkpoint-dir',
      dir,
    );
    await refuse(
      `it holds checkpoints after step 20, the step this run resumes at (${step(40)}, ${step(60)})`,
      '--resume',
      join(dir, step(20)),
    );
    expect(names(dir)).toEqual(before);
  });

  it('--resume with run flags or --config, a missing path, a folder without checkpoints, too few steps', async () => {
    const dir = fresh();
    await runCli('train', ...QUICK, '--steps', '30', '--checkpoint-every', '30', '--checkpoint-dir', dir);
    await refuse(
      '--resume cannot be combined with --lr, --seed: the run config is inside the checkpoint',
      '--resume',
      dir,
      '--lr',
      '0.1',
      '--seed',
      '3',
    );
    const config = join(tmp, 'run.json');
    writeFileSync(config, '{}');
    await refuse('--resume cannot be combined with --config', '--resume', dir, '--config', config);
    await refuse(`--resume ${join(tmp, 'nope')}: cannot read it (ENOENT)`, '--resume', join(tmp, 'nope'));
    const empty = fresh();
    mkdirSync(empty);
    await refuse(`--resume ${empty}: the folder holds no checkpoint`, '--resume', empty);
    await refuse(
      `--steps 20: the checkpoint ${join(dir, step(30))} is at step 30; give --steps 30 or more`,
      '--resume',
      dir,
      '--steps',
      '20',
    );
  });

  it('bad checkpoint files, each naming the file and what is wrong', async () => {
    const dir = fresh();
    await runCli('train', ...QUICK, '--steps', '30', '--checkpoint-every', '30', '--checkpoint-dir', dir);
    const good = readFileSync(join(dir, step(30)));
    const bad = (name: string, bytes: Uint8Array) => {
      const path = join(tmp, name);
      writeFileSync(path, bytes);
      return path;
    };
    const truncated = bad('truncated.safetensors', good.subarray(0, good.length - 7));
    await refuse(new RegExp(`${truncated}: .*truncated`), '--resume', truncated);
    const file = readSafetensors(good);
    const tensors = new Map(file.tensors.map((t) => [t.name, t]));
    const meta = (change: Record<string, string>) => writeSafetensors(tensors, { ...file.metadata, ...change });
    const tampered = bad('tampered.safetensors', meta({ 'anneal.config': '{"steps": 10' }));
    await refuse(`${tampered}: anneal.config is not valid JSON`, '--resume', tampered);
    const config = JSON.parse(file.metadata!['anneal.config']);
    const badConfig = bad('config.safetensors', meta({ 'anneal.config': JSON.stringify({ ...config, steps: -1 }) }));
    await refuse(`${badConfig} (anneal.config): steps`, '--resume', badConfig);
    const sgd = bad(
      'sgd.safetensors',
      meta({ 'anneal.config': JSON.stringify({ ...config, optimizer: { type: 'SGD', groups: [{ lr: 0.1 }] } }) }),
    );
    await refuse(`${sgd}: the checkpoint's optimizer is "Adam"; this one is SGD`, '--resume', sgd);
    const wider = bad('wider.safetensors', meta({ 'anneal.config': JSON.stringify({ ...config, sizes: [2, 4, 2] }) }));
    await refuse(
      `${wider}: tensor layers.0.weight has shape [3, 2] but MLP's layers.0.weight is [4, 2]`,
      '--resume',
      wider,
    );
    const weight = file.tensors.find((t) => t.name === 'layers.0.weight')!;
    tensors.set('layers.0.weight', {
      ...weight,
      data: weight.data.map((v, i) => (i === 2 ? Number.POSITIVE_INFINITY : v)),
    });
    const inf = bad('inf.safetensors', meta({}));
    await refuse(`${inf}: tensor layers.0.weight holds Infinity at index 2: weights must be finite`, '--resume', inf);
    const weightsOnly = bad('weights.safetensors', writeSafetensors(tensors, { format: 'pt' }));
    await refuse(`${weightsOnly}: not an anneal checkpoint`, '--resume', weightsOnly);
    expect(existsSync(join(dir, step(30)))).toBe(true);
  });
});
