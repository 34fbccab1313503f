import { useQuery, useQueryClient } from '@tanstack/react-query';
import { api, unwrap, type Schemas } from '../../api/client.ts';

export type Integration = Schemas['IntegrationWithLastRun'];
export type Mapping = Schemas['Mapping'];
export type Rule = Mapping['rules'][number];
export type Credential = Schemas['Credential'];

export const integrationKey = (id: string) => ['integrations', id] as const;
export const mappingKey = (id: string) => ['integrations', id, 'mapping'] as const;

export function useIntegration(id: string) {
  return useQuery({
    queryKey: integrationKey(id),
    queryFn: async () => unwrap(await api.GET('/api/v1/integrations/{id}', { params: { path: { id } } })),
  });
}

export function useCredentials(enabled = true) {
  return useQuery({
    queryKey: ['credentials'],
    queryFn: async () => unwrap(await api.GET('/api/v1/credentials')).data,
    enabled,
  });
}

/**
 * After a change to the integration: it, its mapping (whose version is the integration's) and the
 * lists that show it are read again.
 */
export function useRefreshIntegration(id: string) {
  const client = useQueryClient();
  return async (updated?: Schemas['Integration']) => {
    // The change's answer at once (keeping the last run it does not carry), then a fresh read.
    if (updated !== undefined) client.setQueryData<Integration>(integrationKey(id), (shown) => ({ ...updated, lastRun: shown?.lastRun ?? null }));
    await client.invalidateQueries({ queryKey: ['integrations'] });
    await client.invalidateQueries({ queryKey: ['runs'] });
  };
}
