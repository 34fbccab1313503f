import { describe, expect, it } from 'vitest';
import { ConfigError, parseEnv } from './env.ts';

describe('the retention variables', () => {
  it('are left unset (the engine\'s defaults apply), take whole days, or "forever"', () => {
    const unset = parseEnv({});
    expect(unset.FERRY_RETAIN_JOURNAL_DAYS).toBeUndefined();
    expect(unset.FERRY_PRUNE_SCHEDULE).toBeUndefined();
    const env = parseEnv({ FERRY_RETAIN_JOURNAL_DAYS: '7', FERRY_RETAIN_RUNS_DAYS: 'forever', FERRY_RETAIN_REQUEST_LOGS_DAYS: ' 3 ', FERRY_PRUNE_SCHEDULE: '*/10 * * * *' });
    expect(env).toMatchObject({ FERRY_RETAIN_JOURNAL_DAYS: 7, FERRY_RETAIN_RUNS_DAYS: null, FERRY_RETAIN_REQUEST_LOGS_DAYS: 3, FERRY_PRUNE_SCHEDULE: '*/10 * * * *' });
    expect(parseEnv({ FERRY_PRUNE_SCHEDULE: 'off' }).FERRY_PRUNE_SCHEDULE).toBeNull();
  });

  it('refuses fractions, zero, words and malformed schedules, listing each bad variable', () => {
    const bad = { FERRY_RETAIN_JOURNAL_DAYS: '0', FERRY_RETAIN_EVENTS_DAYS: '1.5', FERRY_RETAIN_SYNC_LOG_DAYS: 'never', FERRY_PRUNE_SCHEDULE: 'hourly' };
    expect(() => parseEnv(bad)).toThrow(ConfigError);
    let message = '';
    try {
      parseEnv(bad);
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain('FERRY_RETAIN_JOURNAL_DAYS: must be a whole number of days from 1 to 36500, or forever');
    expect(message).toContain('FERRY_RETAIN_EVENTS_DAYS: must be a whole number of days');
    expect(message).toContain('FERRY_RETAIN_SYNC_LOG_DAYS: must be a whole number of days');
    expect(message).toContain('FERRY_PRUNE_SCHEDULE: must be a cron expression in UTC');
    expect(() => parseEnv({ FERRY_PRUNE_SCHEDULE: '61 * * * *' })).toThrow(/FERRY_PRUNE_SCHEDULE/);
  });
});
