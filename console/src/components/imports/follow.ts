import { useQuery } from '@tanstack/react-query';
import { api, unwrap, type Schemas } from '../../api/client.ts';

export type Run = Schemas['Run'];
export type RunProgress = Schemas['RunProgress'];

/** How often a running import is read again: often enough for its bar to move as rows are written. */
export const IMPORT_POLL_MS = 500;

/** A run still queued or working; every other status is an end (a retry is a run of its own). */
export function isRunning(run: Pick<Run, 'status'>): boolean {
  return run.status === 'WAITING' || run.status === 'STARTED';
}

/** The run an action just queued, read again every IMPORT_POLL_MS until it ends. */
export function useFollowedRun(started: Run | undefined) {
  return useQuery({
    queryKey: ['runs', started?.id, 'followed'],
    queryFn: async () => unwrap(await api.GET('/api/v1/runs/{id}', { params: { path: { id: started!.id } } })),
    enabled: started !== undefined,
    initialData: started,
    refetchInterval: (query) => (query.state.data === undefined || isRunning(query.state.data) ? IMPORT_POLL_MS : false),
  });
}
