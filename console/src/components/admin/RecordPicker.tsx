import { Loader, Select, TextInput } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { useQuery } from '@tanstack/react-query';
import { useState, type ReactNode } from 'react';
import { api, unwrap } from '../../api/client.ts';

/** Entities whose list answers `search` (their name or code): a record is chosen by it, not by its id. */
const SEARCHABLE = new Set(['accounts', 'contracts', 'balances', 'products', 'services', 'rate-plans', 'subscriptions', 'users']);

interface Found {
  id: string;
  name?: string;
  code?: string;
}

const labelOf = (record: Found) => [record.name, record.code === undefined ? undefined : `(${record.code})`].filter(Boolean).join(' ') || record.id;

/** Reads records of any entity; the typed client names each path, so the path is built here. */
async function listRecords(entity: string, query: { search?: string; limit: number }): Promise<Found[]> {
  const path = `/api/v1/${entity}` as '/api/v1/accounts';
  return unwrap(await api.GET(path, { params: { query } })).data;
}

async function getRecord(entity: string, id: string): Promise<Found> {
  const path = `/api/v1/${entity}/{id}` as '/api/v1/accounts/{id}';
  return unwrap(await api.GET(path, { params: { path: { id } } }));
}

/**
 * A Ferry record of `entity`, found by typing part of its name or code; entities without either
 * take the record's id.
 */
export function RecordPicker({
  entity,
  label,
  value,
  onChange,
  error,
  required = false,
}: {
  entity: string;
  label: string;
  value: string;
  onChange: (id: string) => void;
  error?: ReactNode;
  required?: boolean;
}) {
  const searchable = SEARCHABLE.has(entity);
  const [search, setSearch] = useState('');
  const [debounced] = useDebouncedValue(search.trim(), 250);
  const found = useQuery({
    queryKey: ['record-search', entity, debounced],
    queryFn: () => listRecords(entity, { ...(debounced === '' ? {} : { search: debounced }), limit: 20 }),
    enabled: searchable,
  });
  // The chosen record stays listed (and named) even when the search no longer finds it.
  const chosen = useQuery({ queryKey: ['record', entity, value], queryFn: () => getRecord(entity, value), enabled: searchable && /^[0-9a-f-]{36}$/i.test(value) });

  if (!searchable) {
    return <TextInput label={label} description="The record's id" required={required} value={value} onChange={(event) => onChange(event.currentTarget.value.trim())} error={error} />;
  }
  const records = [...(chosen.data === undefined ? [] : [chosen.data]), ...(found.data ?? []).filter((record) => record.id !== chosen.data?.id)];
  const problem = error ?? (found.error ?? chosen.error)?.message;
  return (
    <Select
      label={label}
      description="Type part of its name or code"
     
      placeholder="Search…"
      required={required}
      searchable
      clearable
      searchValue={search}
      onSearchChange={setSearch}
      filter={({ options }) => options}
      data={records.map((record) => ({ value: record.id, label: `${labelOf(record)} · ${record.id.slice(0, 8)}` }))}
      value={value === '' ? null : value}
      onChange={(id) => onChange(id ?? '')}
      nothingFoundMessage={found.isFetching ? 'Searching…' : 'No record matches'}
      rightSection={found.isFetching ? <Loader size="xs" /> : undefined}
      error={problem}
    />
  );
}
