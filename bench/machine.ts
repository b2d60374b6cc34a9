// What the numbers were measured on: CPU, cores, memory, Node and V8, the versions of the packages compared,
// the commit and the core build.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

function cpuInfo(): { model: string; flags: string } {
  try {
    const text = readFileSync('/proc/cpuinfo', 'utf8');
    const model = /^model name\s*:\s*(.*)$/m.exec(text)?.[1]?.trim();
    const flags = (/^flags\s*:\s*(.*)$/m.exec(text)?.[1] ?? '').split(/\s+/);
    const simd = ['sse4_2', 'avx', 'avx2', 'fma', 'avx512f'].filter((f) => flags.includes(f)).join(' ');
    return { model: model ?? os.cpus()[0]?.model ?? 'unknown', flags: simd || 'unknown' };
  } catch {
    return { model: os.cpus()[0]?.model ?? 'unknown', flags: 'unknown (no /proc/cpuinfo)' };
  }
}

/** Installed version of a package, or 'not installed'. */
export function packageVersion(name: string): string {
  const file = `${root}node_modules/${name}/package.json`;
  if (!existsSync(file)) return 'not installed';
  return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
}

function git(args: string[]): string | null {
  try {
    return execFileSync('git', args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null;
  }
}

function coreBuild(): string {
  const file = `${root}build/anneal.wasm`;
  if (!existsSync(file)) return 'missing';
  const bytes = readFileSync(file);
  const sha = createHash('sha256').update(bytes).digest('hex').slice(0, 12);
  return `${bytes.length} bytes, sha256 ${sha}…, built ${statSync(file).mtime.toISOString()}`;
}

export function machineInfo(): Record<string, string> {
  const cpu = cpuInfo();
  const pkg = JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as { version: string };
  const commit = git(['rev-parse', '--short', 'HEAD']);
  const dirty = git(['status', '--porcelain', '--untracked-files=no']);
  return {
    CPU: cpu.model,
    'SIMD flags': cpu.flags,
    'logical CPUs': `${os.availableParallelism()} (os.cpus: ${os.cpus().length})`,
    memory: `${(os.totalmem() / 2 ** 30).toFixed(1)} GiB`,
    'load average at start': `${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(', ')} (other processes share these CPUs)`,
    OS: `${os.type()} ${os.release()} ${os.arch()}`,
    Node: process.version,
    V8: process.versions.v8,
    anneal: `${pkg.version}${commit ? ` (git ${commit}${dirty ? ', uncommitted changes' : ''})` : ''}`,
    'anneal core': coreBuild(),
    assemblyscript: packageVersion('assemblyscript'),
    tsx: packageVersion('tsx'),
    '@tensorflow/tfjs-core': packageVersion('@tensorflow/tfjs-core'),
    '@tensorflow/tfjs-backend-cpu': packageVersion('@tensorflow/tfjs-backend-cpu'),
    '@tensorflow/tfjs-backend-wasm': packageVersion('@tensorflow/tfjs-backend-wasm'),
  };
}
