import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';
import { useLocation, useNavigate } from 'react-router';
import { api, ApiFailure, unwrap, whenSessionEnds, type Schemas } from '../api/client.ts';

export type Session = Schemas['Session'];

/** The signed-in organization, or null when nobody is signed in. */
export function useSession() {
  return useQuery({
    queryKey: ['session'],
    queryFn: async (): Promise<Session | null> => {
      try {
        return unwrap(await api.GET('/api/v1/session'));
      } catch (error) {
        if (error instanceof ApiFailure && error.status === 401) return null;
        throw error;
      }
    },
    staleTime: 60_000,
  });
}

/** Any request that finds the session gone sends the person to the sign-in page, then back. */
export function useSessionWatch(): void {
  const client = useQueryClient();
  const navigate = useNavigate();
  const location = useLocation();
  useEffect(() => {
    whenSessionEnds(() => {
      client.setQueryData(['session'], null);
      if (location.pathname !== '/sign-in') void navigate(`/sign-in?next=${encodeURIComponent(location.pathname + location.search)}`);
    });
  }, [client, navigate, location]);
}
