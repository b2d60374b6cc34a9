import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Command } from 'commander';
import { UsageError } from './files.ts';

interface BenchFlags {
  quick?: boolean;
  only?: string;
  torch: boolean;
  tfjs: boolean;
  python?: string;
  out?: string;
}

/**
 * `anneal bench`: the benchmark suite of bench/ (W1 the lesson, W2 an MLP step, W3 GEMM, the scaling sweep,
 * memory, CLI start-up) against plain JS, TF.js and PyTorch, measured in the same run. The suite and its
 * baselines live in the source repository (bench/ and the devDependencies are not published), so the command
 * runs bench/run.ts there, as `npm run bench` does.
 */
export function benchCommand(): Command {
  return new Command('bench')
    .description(
      'Benchmark anneal against plain JS, TF.js and PyTorch in one run (from a clone of the repository); ' +
        'writes bench/results/latest.{json,md} and prints the Markdown.',
    )
    .option('--quick', 'fewer repetitions and a smaller sweep: under a minute')
    .option('--only <workloads>', 'comma-separated subset of W1,W2,W3,sweep,memory,cli')
    .option('--no-torch', 'skip the PyTorch baseline')
    .option('--no-tfjs', 'skip the TF.js baselines')
    .option('--python <path>', 'Python that runs the PyTorch baseline', '/usr/bin/python3')
    .option('--out <dir>', 'directory for latest.json and latest.md (default bench/results)')
    .action((flags: BenchFlags) => {
      const root = repositoryRoot();
      const args = [
        ...(flags.quick ? ['--quick'] : []),
        ...(flags.only ? ['--only', flags.only] : []),
        ...(flags.torch ? [] : ['--no-torch']),
        ...(flags.tfjs ? [] : ['--no-tfjs']),
        ...(flags.python ? ['--python', flags.python] : []),
        ...(flags.out ? ['--out', flags.out] : []),
      ];
      const run = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'bench', 'run.ts'), ...args], {
        cwd: root,
        stdio: 'inherit',
      });
      if (run.status !== 0) throw new Error(`the benchmark exited with ${run.status ?? run.signal}`);
    });
}

/** The source repository this CLI runs from, or a UsageError when it runs from an installed package. */
function repositoryRoot(): string {
  let dir = dirname(new URL(import.meta.url).pathname);
  for (let up = 0; up < 4; up++, dir = dirname(dir)) {
    if (existsSync(join(dir, 'bench', 'run.ts')) && existsSync(join(dir, 'node_modules', 'tsx'))) return dir;
  }
  throw new UsageError(
    'anneal bench runs from a clone of the repository (bench/ and its baselines are not published): ' +
      'git clone, npm install, npm run bench',
  );
}
