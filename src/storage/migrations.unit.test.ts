import { describe, expect, it } from 'vitest';
import { loadMigrations } from './migrate.ts';

// Rolling upgrades run two versions at once: the new one migrates the schema while processes of
// the previous one still work against it. So a migration only adds (tables, indexes, columns that
// are nullable or have a default) or widens a check it drops and adds again; removing or renaming
// waits for a later release, once no process of the previous version can be running.

/** The statements of a migration, comments removed. */
function statements(sql: string): string[] {
  return sql.replace(/--[^\n]*/g, '').split(';').map((s) => s.replace(/\s+/g, ' ').trim()).filter((s) => s !== '');
}

/** Why a statement would break the previous version, if it would. */
function breaking(statement: string, all: string[]): string | undefined {
  const s = statement.toUpperCase();
  if (/^DROP (TABLE|INDEX|VIEW|FUNCTION|TYPE)\b/.test(s) && !/ IF EXISTS /.test(s)) return 'drops something the previous version may use';
  if (/\bDROP COLUMN\b/.test(s)) return 'drops a column the previous version reads';
  if (/\bRENAME\b/.test(s)) return 'renames something the previous version names';
  if (/\bALTER COLUMN \S+ (SET DATA )?TYPE\b/.test(s)) return 'changes a column\'s type under the previous version';
  if (/\bALTER COLUMN \S+ SET NOT NULL\b/.test(s)) return 'makes a column required that the previous version leaves empty';
  if (/\bADD COLUMN\b.*\bNOT NULL\b/.test(s) && !/\bDEFAULT\b/.test(s)) return 'adds a required column without a default: the previous version\'s inserts would fail';
  const dropped = /\bDROP CONSTRAINT (\S+)/.exec(s)?.[1];
  if (dropped !== undefined && !all.some((other) => other.toUpperCase().includes(`ADD CONSTRAINT ${dropped} `))) return `drops constraint ${dropped} without adding it back (widened)`;
  return undefined;
}

describe('migrations', () => {
  it('only add or widen, so the previous version keeps working during a rolling upgrade', () => {
    const problems: string[] = [];
    for (const migration of loadMigrations()) {
      const all = statements(migration.sql);
      for (const statement of all) {
        const why = breaking(statement, all);
        if (why !== undefined) problems.push(`${String(migration.version).padStart(4, '0')}_${migration.name}: ${why}: ${statement.slice(0, 120)}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('catches the statements that would break the previous version', () => {
    const cases = [
      'ALTER TABLE runs DROP COLUMN mode', 'ALTER TABLE runs RENAME COLUMN mode TO kind', 'ALTER TABLE runs ALTER COLUMN mode TYPE integer',
      'ALTER TABLE runs ALTER COLUMN position SET NOT NULL', 'ALTER TABLE runs ADD COLUMN weight integer NOT NULL', 'DROP TABLE links',
      'ALTER TABLE runs DROP CONSTRAINT runs_mode_check',
    ];
    for (const statement of cases) expect(breaking(statement, [statement]), statement).toBeDefined();
    expect(breaking('ALTER TABLE runs ADD COLUMN weight integer NOT NULL DEFAULT 0', [])).toBeUndefined();
    expect(breaking('ALTER TABLE x DROP CONSTRAINT x_side_check', ['ALTER TABLE x DROP CONSTRAINT x_side_check', "ALTER TABLE x ADD CONSTRAINT x_side_check CHECK (side IN ('a', 'b'))"])).toBeUndefined();
  });
});
