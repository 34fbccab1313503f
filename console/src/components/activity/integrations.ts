import { useQuery } from '@tanstack/react-query';
import { api, unwrap } from '../../api/client.ts';

/** The organization's integrations (the same list and cache as the Configurations page), read once. */
export function useIntegrationList() {
  return useQuery({
    queryKey: ['integrations'],
    queryFn: async () => unwrap(await api.GET('/api/v1/integrations')).data,
  });
}

/** Integration ids mapped to names, and the choices of an integration filter. */
export function useIntegrationNames() {
  const list = useIntegrationList();
  const names = new Map((list.data ?? []).map((integration) => [integration.id, integration.name]));
  const options = (list.data ?? []).map((integration) => ({ value: integration.id, label: integration.name }));
  return { names, options, error: list.error };
}
