// Snapshot persistence: the org's data as one JSON file, written atomically (temp file + rename)
// shortly after changes and on stop, and read on start.
import { readFile, rename, writeFile } from 'node:fs/promises';
import type { Org } from './org.ts';
import type { Store } from './store/store.ts';
import type { StreamEvent } from './streaming/event-bus.ts';

interface SnapshotFile {
  version: 1;
  store: ReturnType<Store['exportState']>;
  events: { nextReplayId: number; events: StreamEvent[] };
  apiUsed: number;
}

export async function loadSnapshot(org: Org, file: string): Promise<boolean> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
  const snapshot = JSON.parse(text) as SnapshotFile;
  if (snapshot.version !== 1) throw new Error(`unsupported snapshot version in ${file}`);
  const ids = new Map(org.auth.users().map((u) => [u.username.toLowerCase(), u.userId]));
  org.store.clear();
  org.store.importState(snapshot.store);
  // Users configured now but missing from the snapshot are added; existing ones keep their ids.
  for (const row of snapshot.store.tables['User'] ?? []) {
    const username = String(row.values['Username']).toLowerCase();
    const cred = org.auth.userByName(username);
    if (cred !== undefined && ids.get(username) !== row.values['Id']) cred.userId = String(row.values['Id']);
    if (username === org.options.username.toLowerCase()) org.adminUserId = String(row.values['Id']);
  }
  org.bus.importState(snapshot.events);
  org.apiUsed = snapshot.apiUsed;
  return true;
}

export async function saveSnapshot(org: Org, file: string): Promise<void> {
  const snapshot: SnapshotFile = { version: 1, store: org.store.exportState(), events: org.bus.exportState(), apiUsed: org.apiUsed };
  const temp = `${file}.tmp`;
  await writeFile(temp, JSON.stringify(snapshot));
  await rename(temp, file);
}

/** Saves at most once per `delayMs` after changes, and once more on flush. */
export class SnapshotWriter {
  readonly #org: Org;
  readonly #file: string;
  readonly #delayMs: number;
  #timer: NodeJS.Timeout | null = null;
  #writing: Promise<void> = Promise.resolve();

  constructor(org: Org, file: string, delayMs = 1000) {
    this.#org = org;
    this.#file = file;
    this.#delayMs = delayMs;
  }

  schedule(): void {
    if (this.#timer !== null) return;
    this.#timer = setTimeout(() => {
      this.#timer = null;
      this.#writing = this.#writing.then(() => saveSnapshot(this.#org, this.#file)).catch((error: unknown) => {
        process.stderr.write(`emulator: snapshot write failed: ${String(error)}\n`);
      });
    }, this.#delayMs);
    this.#timer.unref();
  }

  async flush(): Promise<void> {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    await this.#writing;
    await saveSnapshot(this.#org, this.#file);
  }
}
