// Memory of a real `ferry start --no-demo` (issue 7): start time, idle RSS and peak RSS, on a fresh
// PGlite folder, the same folder reopened, and a Postgres server (DATABASE_URL).
//   npm run bench:memory                       (idle measured 10 s after the banner)
//   npm run bench:memory -- --idle 20 --runs 3
// Processes are started as `npm start` starts them: the node flags of package.json's start script.
// Peak RSS includes the short-lived child that creates a new PGlite cluster.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { mib, printTable, saveResults, startPostgres } from './lib.ts';

const { values } = parseArgs({ options: { idle: { type: 'string', default: '10' }, runs: { type: 'string', default: '1' } } });
const idleSeconds = Number(values.idle);
const runs = Number(values.runs);

const root = join(import.meta.dirname, '..');
const startScript = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts['start']!;
const nodeFlags = /^node\s+(.*?)\s*bin\/ferry\.js start$/.exec(startScript)?.[1]?.split(/\s+/).filter(Boolean) ?? [];

function rssOf(pid: number): number {
  const path = `/proc/${pid}/status`;
  if (!existsSync(path)) return 0;
  const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(path, 'utf8'))?.[1];
  return kb === undefined ? 0 : Number(kb) * 1024;
}

/** RSS of a process and its children (the initdb child), from /proc. */
function treeRss(pid: number): number {
  let total = rssOf(pid);
  try {
    for (const task of readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').split(/\s+/).filter(Boolean)) total += treeRss(Number(task));
  } catch {
    // The process ended between the two reads: it holds nothing.
  }
  return total;
}

interface Measure {
  scenario: string;
  startMs: number;
  idleRss: number;
  peakRss: number;
}

async function measure(scenario: string, env: Record<string, string>): Promise<Measure> {
  const started = performance.now();
  const child: ChildProcess = spawn(process.execPath, [...nodeFlags, join(root, 'bin', 'ferry.js'), 'start', '--no-demo'], {
    env: { ...process.env, FERRY_LOG_LEVEL: 'error', FERRY_PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let peak = 0;
  const sampler = setInterval(() => (peak = Math.max(peak, treeRss(child.pid!))), 50);
  let out = '';
  const startMs = await new Promise<number>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      if (/\n {2}try /.test(out)) resolve(performance.now() - started);
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`ferry start exited with ${code}:\n${out}`)));
  });
  await new Promise((resolve) => setTimeout(resolve, idleSeconds * 1000));
  const idleRss = rssOf(child.pid!);
  clearInterval(sampler);
  peak = Math.max(peak, treeRss(child.pid!));
  await new Promise((resolve) => {
    child.once('close', resolve);
    child.kill('SIGTERM');
  });
  return { scenario, startMs, idleRss, peakRss: peak };
}

const results: Measure[] = [];
for (let run = 0; run < runs; run += 1) {
  const dir = mkdtempSync(join(tmpdir(), 'ferry-bench-mem-'));
  try {
    results.push(await measure('PGlite, fresh folder', { FERRY_DATA_DIR: dir }));
    results.push(await measure('PGlite, reopened folder', { FERRY_DATA_DIR: dir }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const postgres = await startPostgres();
  const dataDir = mkdtempSync(join(tmpdir(), 'ferry-bench-mem-pg-'));
  try {
    results.push(await measure('Postgres', { DATABASE_URL: postgres.url, FERRY_DATA_DIR: dataDir }));
  } finally {
    await postgres.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

printTable(`ferry start --no-demo (node ${nodeFlags.join(' ') || 'without flags'}; idle after ${idleSeconds} s)`, results.map((r) => ({
  scenario: r.scenario,
  'start (ms)': r.startMs.toFixed(0),
  'idle RSS': mib(r.idleRss),
  'peak RSS (with children)': mib(r.peakRss),
})));
const file = saveResults('memory', {
  idleSeconds,
  nodeFlags,
  results: results.map((r) => ({ scenario: r.scenario, startMs: Math.round(r.startMs), idleRssMiB: Math.round(r.idleRss / 1048576), peakRssMiB: Math.round(r.peakRss / 1048576) })),
});
console.log(`\nsaved ${file}`);
