import { Button, FileInput, Group, Select, Stack, Text } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api, ApiFailure, fieldErrors, unwrap, type Schemas } from '../../api/client.ts';
import { ErrorAlert } from '../ErrorAlert.tsx';
import { formatDateTime } from '../format.ts';
import { FORMATS, isFormat } from '../integration-form/ReconciliationFields.tsx';
import { formatBytes, reconciliationKey } from './queries.ts';

type Format = 'csv' | 'jsonl';
type FileInfo = Schemas['ReconciliationStatus']['file'];

/** The API takes bodies up to 16 MB: the file's text, JSON-escaped, must fit in one. */
const MAX_BYTES = 16 * 1024 * 1024;

/** The format a file's name says, if it says one. */
function formatOfName(name: string): Format | undefined {
  const extension = name.toLowerCase().split('.').pop();
  if (extension === 'csv') return 'csv';
  if (extension === 'jsonl' || extension === 'ndjson') return 'jsonl';
  return undefined;
}

/** The file's text, read in the browser. */
function readText(file: File): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => (typeof reader.result === 'string' ? resolve(reader.result) : reject(new Error(`${file.name} could not be read as text`)));
    reader.onerror = () => reject(new Error(`${file.name} could not be read: ${reader.error?.message ?? 'unknown error'}`));
    reader.readAsText(file);
  });
}

const FORMAT_LABEL: Record<Format, string> = { csv: 'CSV', jsonl: 'JSON lines' };

/**
 * The billing tool's customers as a file: the one kept (its format, size and time), and an upload
 * that replaces it. The file is read in the browser and sent as text; the API reads it through
 * first, and a malformed one is refused with its line, shown beside the input (the kept file stays).
 */
export function SourceFile({ integrationId, configured, file }: { integrationId: string; configured: Format; file: FileInfo }) {
  const client = useQueryClient();
  const [chosen, setChosen] = useState<File | null>(null);
  const [format, setFormat] = useState<Format>(configured);
  const upload = useMutation({
    mutationFn: async ({ picked, as }: { picked: File; as: Format }) => {
      const content = await readText(picked);
      return unwrap(await api.PUT('/api/v1/integrations/{id}/reconciliation/file', { params: { path: { id: integrationId } }, body: { format: as, content } }));
    },
    onSuccess: async () => {
      await client.invalidateQueries({ queryKey: reconciliationKey(integrationId) });
    },
  });
  const errors = fieldErrors(upload.error);
  const tooLarge = chosen !== null && chosen.size > MAX_BYTES ? `is ${formatBytes(chosen.size)}: the API takes files up to 16 MB` : undefined;
  const besideInput = tooLarge ?? errors.content;
  // The rest of a refusal (no file detail: too large for the server, the network) goes in an alert.
  const otherError = upload.error !== null && errors.content === undefined && errors.format === undefined ? upload.error : null;
  return (
    <Stack gap="sm">
      <Text size="sm" data-current-file>
        {file === null
          ? 'No file uploaded yet: a run needs one.'
          : `Current file: ${FORMAT_LABEL[file.format]}, ${formatBytes(file.bytes)}, uploaded ${formatDateTime(file.uploadedAt)}. Runs read it as ${FORMAT_LABEL[configured]}.`}
      </Text>
      <Group align="flex-start" gap="sm">
        <FileInput
          label="Customers file"
          description="CSV with a header row, or one JSON object a line"
          placeholder="Choose a file"
          accept=".csv,.jsonl,.ndjson,.txt,text/csv"
          value={chosen}
          clearable
          clearButtonProps={{ 'aria-label': 'Clear the chosen file' }}
          w={420}
          error={besideInput}
          onChange={(picked) => {
            setChosen(picked);
            upload.reset();
            const named = picked === null ? undefined : formatOfName(picked.name);
            if (named !== undefined) setFormat(named);
          }}
        />
        <Select label="Format" description="From the file's name, if it says" data={FORMATS} value={format} onChange={(value) => isFormat(value) && setFormat(value)} allowDeselect={false} w={240} error={errors.format} />
      </Group>
      <Group gap="sm">
        <Button onClick={() => chosen !== null && upload.mutate({ picked: chosen, as: format })} disabled={chosen === null || tooLarge !== undefined} loading={upload.isPending}>
          Upload file
        </Button>
        <Text size="sm" c="gray.7">
          It replaces the current file; the next run reads it.
        </Text>
      </Group>
      {format !== configured && (
        <Text size="sm">
          Note: runs read the file as {FORMAT_LABEL[configured]}, the integration&apos;s file format: change it in the integration&apos;s settings to read {FORMAT_LABEL[format]}.
        </Text>
      )}
      {upload.data !== undefined && (
        <Text size="sm" role="status">
          Uploaded: {upload.data.records.toLocaleString()} records, {formatBytes(upload.data.bytes)}, kept for the next run.
        </Text>
      )}
      {otherError !== null && <ErrorAlert error={otherError} title={otherError instanceof ApiFailure ? 'The file was not kept' : 'The file could not be read'} />}
    </Stack>
  );
}
