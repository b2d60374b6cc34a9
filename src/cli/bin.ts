#!/usr/bin/env node
// The `anneal` command. `--version` answers before anything else loads; everything else through main().
import { VERSION } from '../version.ts';

const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) {
  process.stdout.write(`${VERSION}\n`);
} else {
  const { main } = await import('./main.ts');
  process.exitCode = await main(process.argv);
}
