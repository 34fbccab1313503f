// Builds the console (console/ → console/dist) when its sources changed since the last build.
// `npm install` runs it (postinstall) and so does `npm start` (prestart), so the console is there
// with no step of its own; `--force` builds whatever the hash says.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = join(import.meta.dirname, '..');
const consoleDir = join(root, 'console');
const stamp = join(consoleDir, 'dist', '.source-hash');

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

const wanted = sourceHash();
const force = process.argv.includes('--force');
if (!force && existsSync(stamp) && readFileSync(stamp, 'utf8') === wanted) {
  process.exit(0);
}
const { build } = await import('vite');
const started = Date.now();
await build({ configFile: join(consoleDir, 'vite.config.ts'), logLevel: 'warn' });
writeFileSync(stamp, wanted);
console.log(`console built into console/dist in ${((Date.now() - started) / 1000).toFixed(1)} s`);
