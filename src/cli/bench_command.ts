import { Command } from 'commander';
import type { BenchOptions } from '../../bench/run.ts';

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
 * memory) against plain JS, TF.js and PyTorch, measured in the same run. The suite lives in the source
 * repository (bench/ is not published), so it is loaded only when the command runs.
 */
export function benchCommand(): Command {
  return new Command('bench')
    .description('Benchmark anneal against plain JS, TF.js and PyTorch in one run; writes bench/results/latest.{json,md} and prints the Markdown.')
    .option('--quick', 'fewer repetitions and a smaller sweep: under a minute')
    .option('--only <workloads>', 'comma-separated subset of W1,W2,W3,sweep,memory')
    .option('--no-torch', 'skip the PyTorch baseline')
    .option('--no-tfjs', 'skip the TF.js baselines')
    .option('--python <path>', 'Python that runs the PyTorch baseline', '/usr/bin/python3')
    .option('--out <dir>', 'directory for latest.json and latest.md (default bench/results)')
    .action(async (flags: BenchFlags) => {
      let bench: typeof import('../../bench/run.ts');
      try {
        bench = await import('../../bench/run.ts');
      } catch (err) {
        throw new Error(`the benchmark suite (bench/) is part of the source repository, not of the published package: ${(err as Error).message}`);
      }
      const options: BenchOptions = {
        quick: flags.quick ?? false,
        only: flags.only ? bench.parseWorkloads(flags.only) : undefined,
        torch: flags.torch,
        tfjs: flags.tfjs,
        python: flags.python,
        outDir: flags.out,
      };
      await bench.runBench(options);
    });
}
