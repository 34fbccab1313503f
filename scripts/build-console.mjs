// Builds the console (console/ → console/dist) when its sources changed since the last build.
// `npm install` runs it (postinstall) and so does `npm start` (prestart), so the console is there
// with no step of its own; `--force` builds whatever the hash says. Builds that start together
// (parallel test files) take turns through a lock folder, and the second finds the work done.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

const root = join(import.meta.dirname, '..');
const consoleDir = join(root, 'console');
const stamp = join(consoleDir, 'dist', '.source-hash');
const lock = join(consoleDir, '.build-lock');

function files(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : [path];
  });
}

/** A hash of what the build reads: the console's sources and config, and the installed versions. */
function sourceHash() {
  const hash = createHash('sha256');
  const inputs = [...files(join(consoleDir, 'src')), join(consoleDir, 'index.html'), join(consoleDir, 'vite.config.ts'), join(root, 'package-lock.json')].sort();
  for (const path of inputs) hash.update(relative(root, path)).update('\0').update(readFileSync(path)).update('\0');
  return hash.digest('hex');
}

const isCurrent = (wanted) => existsSync(stamp) && readFileSync(stamp, 'utf8') === wanted;

async function takeLock() {
  for (;;) {
    try {
      mkdirSync(lock);
      return;
    } catch (error) {
      if (error.code !== 'EEXIST') throw error;
      // A lock older than two minutes was left by a build that died.
      if (Date.now() - statSync(lock).mtimeMs > 120_000) rmSync(lock, { recursive: true, force: true });
      else await sleep(200);
    }
  }
}

const force = process.argv.includes('--force');
const wanted = sourceHash();
if (!force && isCurrent(wanted)) process.exit(0);
await takeLock();
try {
  if (force || !isCurrent(wanted)) {
    const { build } = await import('vite');
    const started = Date.now();
    // Built beside the served folder, then swapped in: a running Ferry never finds it half written.
    const next = join(consoleDir, `.dist-${process.pid}`);
    const old = join(consoleDir, `.dist-old-${process.pid}`);
    await build({ configFile: join(consoleDir, 'vite.config.ts'), logLevel: 'warn', build: { outDir: next, emptyOutDir: true } });
    writeFileSync(join(next, '.source-hash'), wanted);
    const dist = join(consoleDir, 'dist');
    if (existsSync(dist)) renameSync(dist, old);
    renameSync(next, dist);
    rmSync(old, { recursive: true, force: true });
    console.log(`console built into console/dist in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }
} finally {
  rmSync(lock, { recursive: true, force: true });
}
