import type { Env } from '../../config/index.ts';
import { ferryStatus, prune, PRUNE_SCHEDULE_DEFAULT, retentionSettings, type PruneReport, type StatusView } from '../../engine/retention/index.ts';
import { retentionOf } from '../engine-runtime.ts';
import { ExitCode } from '../exit-codes.ts';
import { RemoteFerry } from '../remote.ts';
import { announceServer, checkId, requireExistingStore, resolveOrganization, runningServer, withLocalStore } from '../runtime.ts';

interface Printing {
  print: (line: string) => void;
  printError: (line: string) => void;
}

const number = (n: number) => n.toLocaleString('en-US');

function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let value = n / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

const days = (d: number | null) => (d === null ? 'forever' : `${d} days`);

function removedLine(removed: Record<string, number>): string {
  const parts = Object.entries(removed).filter(([, n]) => n > 0).map(([table, n]) => `${table} ${number(n)}`);
  return parts.length === 0 ? 'nothing' : parts.join(', ');
}

/** How many tables `ferry status` lists (largest first); --json gives them all. */
const TABLES_SHOWN = 20;

export function printStatus(status: StatusView, { print }: Pick<Printing, 'print'>): void {
  const r = status.retention;
  print(`Retention: journal ${days(r.journalDays)}, runs ${days(r.runsDays)}, events ${days(r.eventsDays)}, request logs ${days(r.requestLogsDays)}, sync log ${days(r.syncLogDays)}`);
  print(`Pruning:   ${r.pruneSchedule === null ? 'off in the background (FERRY_PRUNE_SCHEDULE=off): run `ferry prune`' : `on workers, cron "${r.pruneSchedule}" (UTC)`}`);
  const last = status.lastPruning;
  if (last === null) print('Last pruning: none yet');
  else {
    const when = last.finishedAt === null ? `started ${last.startedAt}, not finished` : `${last.finishedAt} (${last.trigger})`;
    print(`Last pruning: ${when}; removed ${removedLine(last.removed)}${last.error === null ? '' : `; ${last.error}`}`);
  }
  print('');
  print('Journal:');
  if (status.journal.length === 0) print('  no organization yet');
  for (const org of status.journal) {
    const oldest = org.oldestAt === null ? 'empty' : `${number(org.entries)} ${org.entries === 1 ? 'entry' : 'entries'}, oldest ${org.oldestAt} (seq ${org.oldestSeq})`;
    const older = org.olderThanRetention === null || org.olderThanRetention === 0 ? '' : `, ${number(org.olderThanRetention)} older than ${days(r.journalDays)}`;
    print(`  organization ${org.orgId}: ${oldest}${older}`);
    const held = org.heldBy;
    if (held === null) print('    every enabled integration is caught up');
    else {
      print(`    furthest behind: ${held.entityType} integration "${held.name}" (${held.integrationId}), watermark ${held.cursorSeq}, ${number(held.pendingEntries)} entries not passed since ${held.pendingSince}`);
      if (held.pastRetention) print(`    it holds back pruning: fix or disable it (a disabled integration catches up with a full pass when enabled again)`);
    }
    for (const c of org.catchingUp) print(`    catching up: "${c.name}" (${c.integrationId}) lost unsent entries since ${c.since} to pruning: its next delivery is a full pass`);
  }
  print('');
  print('Workers:');
  if (status.workers.length === 0) print('  none registered');
  for (const w of status.workers) print(`  ${w.hostname} pid ${w.pid} (${w.id}): started ${w.startedAt}, last beat ${w.heartbeatAt}${w.alive ? '' : ' — silent: taken for stopped'}`);
  print('');
  print('Tables (largest first):');
  const width = Math.max(...status.tables.slice(0, TABLES_SHOWN).map((t) => t.name.length), 5);
  for (const t of status.tables.slice(0, TABLES_SHOWN)) {
    const rows = t.rows === null ? 'rows unknown' : `${t.estimated ? '~' : ''}${number(t.rows)} rows`;
    print(`  ${t.name.padEnd(width)}  ${bytes(t.bytes).padStart(8)}  ${rows}`);
  }
  if (status.tables.length > TABLES_SHOWN) print(`  … ${status.tables.length - TABLES_SHOWN} smaller tables (--json lists them all)`);
}

export function printPruneReport(report: PruneReport, { print }: Pick<Printing, 'print'>): void {
  const seconds = (Date.parse(report.finishedAt) - Date.parse(report.startedAt)) / 1000;
  print(`Pruned in ${seconds.toFixed(1)} s: removed ${removedLine(report.removed)}.`);
  for (const h of report.held) {
    print(`  organization ${h.orgId}: ${number(h.entriesHeld)} journal entries older than the retention stay: integration "${h.name}" (${h.integrationId}) has not passed them (watermark ${h.cursorSeq}, behind since ${h.pendingSince})`);
  }
  for (const g of report.gaps) print(`  organization ${g.orgId}: integration "${g.name}" (${g.integrationId}) lost unsent entries since ${g.since}: its next delivery is a full pass`);
  if (report.stopped) print('  stopped early: the process was stopping; the next pruning goes on');
}

/**
 * `ferry status [--org ID] [--json]`: table sizes, each organization's journal and what holds it,
 * the last pruning and the workers — from the store, or through the running `ferry start`.
 */
export async function statusCommand(options: { env: Env; org?: string | undefined; json: boolean } & Printing): Promise<number> {
  const { env } = options;
  if (options.org !== undefined) checkId(options.org, 'an organization id');
  const server = runningServer(env);
  let status: StatusView;
  if (server !== undefined) {
    announceServer(server, env, options.printError);
    const remote = new RemoteFerry(server);
    const orgId = options.org === undefined ? undefined : await remote.organization(options.org);
    status = remote.expect<StatusView>(await remote.request('GET', '/api/v1/local/status'), 200);
    if (orgId !== undefined) status = { ...status, journal: status.journal.filter((j) => j.orgId === orgId), lastPruning: status.lastPruning === null ? null : { ...status.lastPruning, held: status.lastPruning.held.filter((h) => h.orgId === orgId) } };
  } else {
    requireExistingStore(env, 'show');
    status = await withLocalStore(env, options.printError, async (db) => {
      const orgId = options.org === undefined ? undefined : await resolveOrganization(db, env, options.org, options.print);
      return ferryStatus(db, {
        settings: retentionSettings(retentionOf(env)),
        pruneSchedule: env.FERRY_PRUNE_SCHEDULE === undefined ? PRUNE_SCHEDULE_DEFAULT : env.FERRY_PRUNE_SCHEDULE,
        orgId,
        deadAfterMs: env.FERRY_WORKER_DEAD_AFTER_MS,
      });
    });
  }
  if (options.json) options.print(JSON.stringify(status, null, 2));
  else printStatus(status, options);
  return ExitCode.ok;
}

/**
 * `ferry prune [--json]`: removes now what the retention settings let go (the hourly pruning, on
 * demand) — in this process with its environment's settings, or through the running `ferry start`.
 */
export async function pruneCommand(options: { env: Env; json: boolean } & Printing): Promise<number> {
  const { env } = options;
  const server = runningServer(env);
  let report: PruneReport;
  if (server !== undefined) {
    announceServer(server, env, options.printError);
    const remote = new RemoteFerry(server);
    report = remote.expect<PruneReport>(await remote.request('POST', '/api/v1/local/prune'), 200);
  } else {
    requireExistingStore(env, 'prune');
    report = await withLocalStore(env, options.printError, (db) => prune(db, { settings: retentionSettings(retentionOf(env)), trigger: 'manual' }));
  }
  if (options.json) options.print(JSON.stringify(report, null, 2));
  else printPruneReport(report, options);
  return ExitCode.ok;
}
