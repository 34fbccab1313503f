import { MultiSelect } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { useQueries, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api, unwrap, type Schemas } from '../../api/client.ts';

type Account = Schemas['AccountRecord'];

const labelOf = (account: Pick<Account, 'name' | 'code'>) => `${account.name} (${account.code})`;

/**
 * Ferry's accounts chosen by search: what the person types is sent to the API (name or code), and
 * each account shows its name and code. Accounts already chosen keep their names when the search moves on.
 */
export function AccountPicker({ label, description, value, onChange, error }: { label: string; description: string; value: string[]; onChange: (ids: string[]) => void; error: string | undefined }) {
  const client = useQueryClient();
  const [search, setSearch] = useState('');
  const [debounced] = useDebouncedValue(search.trim(), 250);
  const results = useQuery({
    queryKey: ['accounts', 'search', debounced],
    queryFn: async () => unwrap(await api.GET('/api/v1/accounts', { params: { query: { limit: 20, ...(debounced === '' ? {} : { search: debounced }) } } })).data,
  });
  const chosen = useQueries({
    queries: value.map((id) => ({
      queryKey: ['accounts', id],
      queryFn: async () => unwrap(await api.GET('/api/v1/accounts/{id}', { params: { path: { id } } })),
      staleTime: 60_000,
    })),
  });
  const labels = new Map<string, string>();
  for (const query of chosen) if (query.data !== undefined) labels.set(query.data.id, labelOf(query.data));
  for (const account of results.data ?? []) labels.set(account.id, labelOf(account));
  const data = [...new Set([...value, ...(results.data ?? []).map((account) => account.id)])].map((id) => ({ value: id, label: labels.get(id) ?? id }));
  const failed = results.error ?? chosen.find((query) => query.error !== null)?.error;
  return (
    <MultiSelect
      label={label}
      description={description}
      placeholder={value.length === 0 ? 'Type a name or code' : undefined}
      data={data}
      value={value}
      onChange={(ids) => {
        // The chosen account's record is at hand: keep it so its name shows without asking again.
        for (const account of results.data ?? []) if (ids.includes(account.id)) client.setQueryData(['accounts', account.id], account);
        onChange(ids);
      }}
      searchable
      searchValue={search}
      onSearchChange={setSearch}
      // The API searched already; the list shows what it answered.
      filter={({ options }) => options}
      nothingFoundMessage={results.isFetching ? 'Searching…' : 'No account has that name or code'}
      error={error ?? (failed ? `Accounts could not be read: ${failed.message}` : undefined)}
      clearable
      maxDropdownHeight={260}
    />
  );
}
