// Helpers the two-way sync suites share: API calls that must succeed, a run waited for, the sync log.
import type { TestFerry } from './ferry.ts';

export interface TwoWayHelpers {
  must: (method: string, path: string, body?: unknown) => Promise<any>;
  /** Runs the integration now in `mode` and waits for that run to end. */
  runNow: (integrationId: string, mode: 'incremental' | 'full' | 'incoming' | 'incoming_full') => Promise<any>;
  syncLog: (integrationId: string, extra?: string) => Promise<any[]>;
}

/** `ferry()` is asked on every call: a test that restarts Ferry gets the new one. */
export function twoWayHelpers(ferry: () => TestFerry): TwoWayHelpers {
  const must: TwoWayHelpers['must'] = async (method, path, body) => {
    const res = await ferry().call(method, path, body);
    if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  };
  return {
    must,
    runNow: async (integrationId, mode) => {
      const run = await must('POST', `/api/v1/integrations/${integrationId}/sync`, { mode });
      return ferry().eventually(async () => {
        const view = await must('GET', `/api/v1/runs/${run.id}`);
        return view.status === 'WAITING' || view.status === 'STARTED' ? undefined : view;
      }, 20_000);
    },
    syncLog: async (integrationId, extra = '') => {
      return (await must('GET', `/api/v1/sync-log?integrationId=${integrationId}${extra}`)).data;
    },
  };
}
