import { Command, CommanderError } from 'commander';
import { VERSION } from '../version.ts';
import { benchCommand } from './bench_command.ts';
import { compareCommand } from './compare_command.ts';
import { convertCommand } from './convert_command.ts';
import { exportCommand } from './export_command.ts';
import { lrFindCommand } from './lr_find_command.ts';
import { scheduleCommand } from './schedule_command.ts';
import { sweepCommand } from './sweep_command.ts';
import { trainCommand } from './train_command.ts';
import { workerCommand } from './worker_command.ts';
import { NonFiniteLossError } from '../train/trainer.ts';

export function program(): Command {
  return new Command('anneal')
    .description('Train small neural networks in a WebAssembly core, with PyTorch-exact learning-rate schedulers.')
    .version(VERSION)
    .showHelpAfterError('(run with --help for usage)')
    .addCommand(trainCommand())
    .addCommand(lrFindCommand())
    .addCommand(scheduleCommand())
    .addCommand(compareCommand())
    .addCommand(sweepCommand())
    .addCommand(convertCommand())
    .addCommand(exportCommand())
    .addCommand(benchCommand())
    .addCommand(workerCommand());
}

/**
 * Runs the CLI; returns the exit code: 0 ok, 1 a run that failed (a NaN loss), 2 refused input (flags, config,
 * data).
 */
export async function main(argv: string[]): Promise<number> {
  const cli = program();
  cli.exitOverride();
  for (const sub of cli.commands) sub.exitOverride();
  try {
    await cli.parseAsync(argv);
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2;
    const name = cli.args[0] ? `anneal ${cli.args[0]}` : 'anneal';
    process.stderr.write(`${name}: error: ${(err as Error).message}\n`);
    return err instanceof NonFiniteLossError ? 1 : 2;
  }
}
