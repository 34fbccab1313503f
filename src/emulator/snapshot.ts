// Snapshot persistence: the org's data as one JSON file, written atomically (temp file + rename)
// shortly after changes and on stop, and read on start.
import { open, readFile, rename } from 'node:fs/promises';
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

/** Serialised text is handed to the file in pieces of about this size, yielding between them. */
const CHUNK_CHARS = 256 * 1024;

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Writes the org's data to `file`: a temp file renamed over it, so a reader (or a crash) never sees
 * half a snapshot. The state is taken at once (rows are replaced on write, never changed in place,
 * so holding them is a consistent copy); the 30 MB of JSON are then made and written in chunks,
 * with the event loop free between them, so requests are answered while a snapshot is written.
 */
export async function saveSnapshot(org: Org, file: string): Promise<void> {
  const store = org.store.exportState();
  const events = org.bus.exportState();
  const apiUsed = org.apiUsed;
  const temp = `${file}.tmp`;
  const handle = await open(temp, 'w');
  try {
    let pending = '';
    const add = async (text: string) => {
      pending += text;
      if (pending.length < CHUNK_CHARS) return;
      await handle.write(pending);
      pending = '';
      await yieldToEventLoop();
    };
    const addArray = async (items: readonly unknown[]) => {
      await add('[');
      for (const [index, item] of items.entries()) await add(`${index === 0 ? '' : ','}${JSON.stringify(item)}`);
      await add(']');
    };
    await add(`{"version":1,"store":{"ids":${JSON.stringify(store.ids)},"autoNumbers":${JSON.stringify(store.autoNumbers)},"tables":{`);
    for (const [index, [name, rows]] of Object.entries(store.tables).entries()) {
      await add(`${index === 0 ? '' : ','}${JSON.stringify(name)}:`);
      await addArray(rows);
    }
    await add(`}},"events":{"nextReplayId":${events.nextReplayId},"events":`);
    await addArray(events.events);
    await add(`},"apiUsed":${apiUsed}}`);
    await handle.write(pending);
  } finally {
    await handle.close();
  }
  await rename(temp, file);
}

/**
 * Saves `delayMs` after a change, off the request path: changes during that time or during a write
 * are gathered into the next write, at most one write is in flight, and `flush` (on stop) writes
 * whatever changed since the last one.
 */
export class SnapshotWriter {
  readonly #org: Org;
  readonly #file: string;
  readonly #delayMs: number;
  readonly #onError: (error: unknown) => void;
  #timer: NodeJS.Timeout | null = null;
  /** The write in flight; it never rejects (a failure is reported and marks the data unsaved). */
  #writing: Promise<void> | null = null;
  #dirty = false;
  /** The number of snapshot writes started so far. */
  writes = 0;

  constructor(org: Org, file: string, options: { delayMs?: number; onError?: (error: unknown) => void } = {}) {
    this.#org = org;
    this.#file = file;
    this.#delayMs = options.delayMs ?? 1000;
    this.#onError = options.onError ?? ((error) => process.stderr.write(`emulator: snapshot write failed: ${String(error)}\n`));
  }

  schedule(): void {
    this.#dirty = true;
    if (this.#timer !== null || this.#writing !== null) return;
    this.#timer = setTimeout(() => {
      this.#timer = null;
      this.#writing = this.#write();
    }, this.#delayMs);
    this.#timer.unref();
  }

  async #write(): Promise<void> {
    this.#dirty = false;
    this.writes += 1;
    try {
      await saveSnapshot(this.#org, this.#file);
    } catch (error) {
      // Tried again with the next change or on flush; the failure is said, not swallowed.
      this.#dirty = true;
      this.#onError(error);
    }
    this.#writing = null;
    if (this.#dirty) this.schedule();
  }

  /** Waits for a write in flight, then writes what changed since (on stop). */
  async flush(): Promise<void> {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    if (this.#writing !== null) await this.#writing;
    // The write that just ended may have scheduled another: this one covers it.
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    this.#dirty = false;
    this.writes += 1;
    await saveSnapshot(this.#org, this.#file);
  }
}
