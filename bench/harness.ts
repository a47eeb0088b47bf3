/**
 * What every benchmark shares: starting a server in its own process and reading the JSON line it
 * prints, and running autocannon — also in its own process, on 127.0.0.1, bounded in time — so the
 * load never competes with the server inside one event loop.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { createInterface } from 'node:readline';
import path from 'node:path';

export interface Started<T> {
  info: T;
  pid: number;
  stop(): Promise<void>;
}

/** A process's resident set size in MiB now (Linux /proc), or null elsewhere. */
export function rssMiB(pid: number): number | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kib = /VmRSS:\s+(\d+) kB/.exec(status)?.[1];
    return kib ? Math.round(Number(kib) / 1024) : null;
  } catch {
    return null;
  }
}

/**
 * Starts `node <script>` and resolves with the first stdout line parsed as JSON. `BENCH_SERVER_ARGS`
 * (Node's own flags, space-separated) go to every server, e.g. `--cpu-prof --cpu-prof-dir=/tmp/p`
 * for a CPU profile of each (written when it stops).
 */
export function startServer<T>(script: string, env: Record<string, string>, timeoutMs = 600_000): Promise<Started<T>> {
  const nodeArgs = (process.env.BENCH_SERVER_ARGS ?? '').split(' ').filter((a) => a !== '');
  const child = spawn(process.execPath, [...nodeArgs, script], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${script} did not start within ${timeoutMs} ms`));
    }, timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${script} exited with ${code} before it started`));
    });
    const lines = createInterface({ input: child.stdout! });
    lines.once('line', (line) => {
      clearTimeout(timer);
      child.removeAllListeners('exit');
      resolve({ info: JSON.parse(line) as T, pid: child.pid!, stop: () => stopChild(child) });
    });
  });
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

export interface LoadResult {
  /** Requests per second, mean over the run. */
  rps: number;
  p50Ms: number;
  /** Mean latency (autocannon's percentiles are whole milliseconds; the mean is not). */
  meanMs: number;
  p99Ms: number;
  requests: number;
  /** Answers that were not 2xx, and connection errors/timeouts. */
  non2xx: number;
  errors: number;
  durationS: number;
}

export interface LoadOptions {
  url: string;
  connections: number;
  durationS: number;
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
  /** GET these paths of `url` in turn (bench/load/paths.ts) instead of `url` itself. */
  paths?: string[];
}

/** Runs autocannon's CLI in a child process and reads its JSON summary; a 1-second warm-up load (JIT, caches, connections) goes first and is not counted. */
export async function runLoad(options: LoadOptions, watchPid?: number): Promise<LoadResult & { rssMiB: number | null }> {
  await loadOnce({ ...options, durationS: 1 });
  // The server's RSS is sampled every 250 ms while the load runs; the largest sample is reported.
  let peak: number | null = null;
  const sampler = watchPid === undefined ? null : setInterval(() => {
    const now = rssMiB(watchPid);
    if (now !== null) peak = Math.max(peak ?? 0, now);
  }, 250);
  try {
    return { ...(await loadOnce(options)), rssMiB: peak };
  } finally {
    if (sampler) clearInterval(sampler);
  }
}

function loadOnce(options: LoadOptions): Promise<LoadResult> {
  let args: string[];
  if (options.paths) {
    const { url, paths, connections, durationS, headers } = options;
    // The options go through a file: a long list of paths is over the kernel's limit for one argument.
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'gyeol-bench-')), 'load.json');
    writeFileSync(file, JSON.stringify({ url, paths, connections, durationS, headers }));
    args = [path.resolve('dist/bench/load/paths.js'), file];
  } else {
    const cli = path.resolve('node_modules/autocannon/autocannon.js');
    args = [cli, '-j', '-c', String(options.connections), '-d', String(options.durationS), '-m', options.method ?? 'GET'];
    for (const [name, value] of Object.entries(options.headers ?? {})) args.push('-H', `${name}=${value}`);
    if (options.body !== undefined) args.push('-b', options.body);
    args.push(options.url);
  }
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.once('exit', (code) => {
      if (code !== 0) return reject(new Error(`autocannon exited with ${code}: ${err.slice(-500)}`));
      const r = JSON.parse(out) as {
        requests: { average: number; total: number };
        latency: { p50: number; p99: number; average: number };
        non2xx: number;
        errors: number;
        timeouts: number;
        duration: number;
      };
      resolve({
        rps: r.requests.average,
        p50Ms: r.latency.p50,
        meanMs: r.latency.average,
        p99Ms: r.latency.p99,
        requests: r.requests.total,
        non2xx: r.non2xx,
        errors: r.errors + r.timeouts,
        durationS: r.duration,
      });
    });
  });
}

/** A V1 access token for the demo store (`POST /users/getToken`). */
export async function v1Token(url: string, apiKey: string, apiSecret: string): Promise<string> {
  const res = await fetch(`${url}/users/getToken`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ imp_key: apiKey, imp_secret: apiSecret }) });
  const body = (await res.json()) as { code: number; response: { access_token: string } | null };
  if (body.code !== 0 || !body.response) throw new Error(`getToken failed: ${JSON.stringify(body)}`);
  return body.response.access_token;
}

/** What a load script of bench/load/ reports: a LoadResult, plus the gateway's share of a multi-server flow and the first failures. */
export interface FlowLoadResult extends LoadResult {
  gatewayMs: { p50: number; p99: number; mean: number } | null;
  failures: string[];
  completedWithWarmup: number;
  /**
   * The server's CPU time (user + system) per completed flow, warm-up included, in ms: its own
   * work per flow, which — unlike a rate — hardly moves when other work shares the machine, and
   * leaves out the time it waits (a durable commit's fsync is a wait).
   */
  cpuMsPerFlow: number | null;
}

/** A process's CPU time so far (user + system, ms; Linux /proc), or null elsewhere. */
export function cpuMs(pid: number): number | null {
  try {
    // Fields after the command name (which may hold spaces, so split after its closing parenthesis): utime and stime are the 12th and 13th.
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return null;
  }
}

/**
 * Runs a load script (`dist/bench/load/<name>.js`) in its own process with `task` (JSON in
 * `BENCH_LOAD`) and reads its one-line JSON summary; the script warms up for a second first, not
 * counted. The server's RSS is sampled every 250 ms meanwhile, as {@link runLoad} does.
 */
export async function runScriptLoad(script: string, task: Record<string, unknown>, watchPid?: number): Promise<FlowLoadResult & { rssMiB: number | null }> {
  let peak: number | null = null;
  const cpuBefore = watchPid === undefined ? null : cpuMs(watchPid);
  const sampler = watchPid === undefined ? null : setInterval(() => {
    const now = rssMiB(watchPid);
    if (now !== null) peak = Math.max(peak ?? 0, now);
  }, 250);
  try {
    const result = await new Promise<FlowLoadResult>((resolve, reject) => {
      const child = spawn(process.execPath, [script], { env: { ...process.env, BENCH_LOAD: JSON.stringify(task) }, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
      child.once('exit', (code) => {
        if (code !== 0) return reject(new Error(`${script} exited with ${code}: ${err.slice(-500)}`));
        resolve(JSON.parse(out) as FlowLoadResult);
      });
    });
    const cpuAfter = watchPid === undefined ? null : cpuMs(watchPid);
    const cpuMsPerFlow = cpuBefore !== null && cpuAfter !== null && result.completedWithWarmup > 0 ? Math.round(((cpuAfter - cpuBefore) / result.completedWithWarmup) * 100) / 100 : null;
    return { ...result, cpuMsPerFlow, rssMiB: peak };
  } finally {
    if (sampler) clearInterval(sampler);
  }
}
