// The native C baselines (bench/native/*.c): compiled at bench time with the system's C compiler (`$CC`, else
// `cc`) and `-O3 -march=native` into a temporary directory, then run as child processes that read the inputs
// the harness writes (the same data and initial weights anneal starts from), time themselves (warm-up, then
// timed runs) and print one line of JSON. No compiler, a CPU without AVX2/FMA or a failed build: skipped, with
// the reason.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { summarise, type Stats } from '../timing.ts';
import { errorMessage } from '../workloads/common.ts';

export const NATIVE_PROGRAMS = ['w1_lesson', 'w2_mlp', 'w3_gemm'] as const;
export type NativeProgram = (typeof NATIVE_PROGRAMS)[number];

/**
 * -ffp-contract=off: no multiply-add is fused unless the code asks for it (`_mm256_fmadd_ps`), so the element
 * math (tanh, exp, log, Adam) rounds as anneal's does; the GEMM kernels use FMA explicitly.
 */
export const NATIVE_FLAGS = ['-O3', '-march=native', '-ffp-contract=off', '-std=c11', '-D_POSIX_C_SOURCE=200809L'];
const SOURCES = fileURLToPath(new URL('../native/', import.meta.url));

export type NativeBuild =
  | {
      ok: true;
      /** The compiler's first line of `--version` and the flags, for the report. */
      compiler: string;
      dir: string;
      /** Each program's executable, or why it did not build. */
      programs: Record<NativeProgram, { path: string } | { error: string }>;
      seconds: number;
    }
  | { ok: false; reason: string };

/** Runs a command to its end: exit status (null when killed or not started), stderr, and a spawn error. */
function run(cmd: string, args: readonly string[], timeoutMs: number) {
  return new Promise<{ status: number | null; stdout: string; stderr: string; error?: Error }>((resolve) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], timeout: timeoutMs });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on('error', (error) => resolve({ status: null, stdout, stderr, error }));
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

/** Compiles the programs that `wanted` names, side by side; never throws. */
export async function buildNative(wanted: readonly NativeProgram[], cc = process.env.CC || 'cc'): Promise<NativeBuild> {
  const t0 = performance.now();
  const version = await run(cc, ['--version'], 30_000);
  if (version.error || version.status !== 0)
    return {
      ok: false,
      reason:
        (version.error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT'
          ? `no C compiler: \`${cc}\` is not installed (set CC to use another)`
          : `\`${cc} --version\` failed: ${version.error ? errorMessage(version.error) : version.stderr.trim()}`,
    };
  const compiler = `${version.stdout.split('\n')[0].trim()}, ${NATIVE_FLAGS.slice(0, 3).join(' ')}`;
  const dir = mkdtempSync(join(tmpdir(), 'anneal-bench-native-'));
  const built = await Promise.all(
    NATIVE_PROGRAMS.map(async (name): Promise<{ path: string } | { error: string }> => {
      if (!wanted.includes(name)) return { error: 'not built (workload not selected)' };
      const path = join(dir, name);
      const r = await run(cc, [...NATIVE_FLAGS, '-o', path, join(SOURCES, `${name}.c`), '-lm'], 300_000);
      if (r.status === 0) return { path };
      const lines = `${r.stderr}${r.error ? errorMessage(r.error) : ''}`.trim().split('\n');
      const first = lines.find((l) => /error/i.test(l)) ?? lines[0] ?? 'killed (timeout)';
      return { error: `${name}.c did not compile: ${first.replaceAll(SOURCES, 'bench/native/').trim()}` };
    }),
  );
  const programs = Object.fromEntries(NATIVE_PROGRAMS.map((name, i) => [name, built[i]])) as Record<
    NativeProgram,
    { path: string } | { error: string }
  >;
  return { ok: true, compiler, dir, programs, seconds: (performance.now() - t0) / 1000 };
}

export function disposeNative(build: NativeBuild): void {
  if (build.ok) rmSync(build.dir, { recursive: true, force: true });
}

/** Why `program` cannot run, or null when it can. */
export function nativeUnavailable(build: NativeBuild, program: NativeProgram): string | null {
  if (!build.ok) return build.reason;
  const p = build.programs[program];
  return 'error' in p ? p.error : null;
}

type Part = Float32Array | Int32Array | Float64Array;

/** Writes the parts' bytes one after another (little-endian, as the C programs read them) into the build dir. */
export function writeNativeInput(build: NativeBuild, file: string, parts: readonly Part[]): string {
  if (!build.ok) throw new Error('no native build');
  const path = join(build.dir, file);
  writeFileSync(path, Buffer.concat(parts.map((p) => Buffer.from(p.buffer, p.byteOffset, p.byteLength))));
  return path;
}

export function readNativeF32(path: string): Float32Array {
  const bytes = readFileSync(path);
  return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
}

export interface NativeTiming {
  samples_ms: number[];
  calls_per_run: number;
  warmup: number;
}

/** Runs a built program; its last line of stdout is JSON (or `{"error": ...}`). */
export function runNative<T extends object>(
  build: NativeBuild,
  program: NativeProgram,
  args: readonly (string | number)[],
  timeoutMs = 300_000,
): { ok: true; out: T & Partial<NativeTiming> } | { ok: false; reason: string } {
  const unavailable = nativeUnavailable(build, program);
  if (unavailable !== null || !build.ok) return { ok: false, reason: unavailable ?? 'no native build' };
  const exe = build.programs[program] as { path: string };
  const run = spawnSync(exe.path, args.map(String), { encoding: 'utf8', timeout: timeoutMs, maxBuffer: 16 << 20 });
  if (run.error) return { ok: false, reason: `${program} failed to run: ${errorMessage(run.error)}` };
  let out: T & Partial<NativeTiming> & { error?: string };
  try {
    out = JSON.parse(run.stdout.trim().split('\n').pop() ?? '');
  } catch {
    const tail = (run.stderr || run.stdout).trim().split('\n').slice(-2).join(' | ');
    return { ok: false, reason: `${program} exited with ${run.status ?? run.signal}: ${tail || 'no output'}` };
  }
  if (out.error !== undefined) return { ok: false, reason: `${program}: ${out.error}` };
  return { ok: true, out };
}

/** The timing a program printed, as Stats (ms per call, or per the unit the program scaled to). */
export function nativeStats(out: Partial<NativeTiming>): Stats | null {
  if (!out.samples_ms?.length) return null;
  return summarise(out.samples_ms, out.warmup ?? 0, out.calls_per_run ?? 1);
}
