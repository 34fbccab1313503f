import { MultiSelect } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { useQueries, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api, unwrap, type Schemas } from '../../api/client.ts';

type Account = Schemas['AccountRecord'];
type User = Schemas['UserRecord'];

/** What a picker chooses from: Ferry's accounts (by name or code) or its users (by name). */
const KINDS = {
  accounts: {
    list: async (query: { limit: number; search?: string }) => unwrap(await api.GET('/api/v1/accounts', { params: { query } })).data,
    get: async (id: string) => unwrap(await api.GET('/api/v1/accounts/{id}', { params: { path: { id } } })),
    labelOf: (account: Account) => `${account.name} (${account.code})`,
    placeholder: 'Type a name or code',
    nothingFound: 'No account has that name or code',
    what: 'Accounts',
  },
  users: {
    list: async (query: { limit: number; search?: string }) => unwrap(await api.GET('/api/v1/users', { params: { query } })).data,
    get: async (id: string) => unwrap(await api.GET('/api/v1/users/{id}', { params: { path: { id } } })),
    labelOf: (user: User) => (user.email === undefined ? user.name : `${user.name} <${user.email}>`),
    placeholder: 'Type a name',
    nothingFound: 'No user has that name',
    what: 'Users',
  },
} as const;

type Kind = keyof typeof KINDS;
type Found = Account | User;

/**
 * Ferry records chosen by search: what the person types is sent to the API (its `search`), and
 * each record shows by name. Records already chosen keep their names when the search moves on.
 */
export function SearchPicker({ kind, label, description, value, onChange, error }: { kind: Kind; label: string; description: string; value: string[]; onChange: (ids: string[]) => void; error: string | undefined }) {
  const client = useQueryClient();
  const [search, setSearch] = useState('');
  const [debounced] = useDebouncedValue(search.trim(), 250);
  const spec = KINDS[kind];
  const labelOf = spec.labelOf as (record: Found) => string;
  const results = useQuery({
    queryKey: [kind, 'search', debounced],
    queryFn: async (): Promise<Found[]> => spec.list({ limit: 20, ...(debounced === '' ? {} : { search: debounced }) }),
  });
  const chosen = useQueries({
    queries: value.map((id) => ({
      queryKey: [kind, id],
      queryFn: async (): Promise<Found> => spec.get(id),
      staleTime: 60_000,
    })),
  });
  const labels = new Map<string, string>();
  for (const query of chosen) if (query.data !== undefined) labels.set(query.data.id, labelOf(query.data));
  for (const record of results.data ?? []) labels.set(record.id, labelOf(record));
  const data = [...new Set([...value, ...(results.data ?? []).map((record) => record.id)])].map((id) => ({ value: id, label: labels.get(id) ?? id }));
  const failed = results.error ?? chosen.find((query) => query.error !== null)?.error;
  return (
    <MultiSelect
      label={label}
      description={description}
      placeholder={value.length === 0 ? spec.placeholder : undefined}
      data={data}
      value={value}
      onChange={(ids) => {
        // The chosen record is at hand: keep it so its name shows without asking again.
        for (const record of results.data ?? []) if (ids.includes(record.id)) client.setQueryData([kind, record.id], record);
        onChange(ids);
      }}
      searchable
      searchValue={search}
      onSearchChange={setSearch}
      // The API searched already; the list shows what it answered.
      filter={({ options }) => options}
      nothingFoundMessage={results.isFetching ? 'Searching…' : spec.nothingFound}
      error={error ?? (failed ? `${spec.what} could not be read: ${failed.message}` : undefined)}
      clearable
      maxDropdownHeight={260}
    />
  );
}
