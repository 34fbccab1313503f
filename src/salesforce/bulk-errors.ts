/** One error of a record Salesforce refused, as the collections path reports it too. */
export interface RecordError {
  statusCode: string;
  message: string;
  fields: string[];
}

// Bulk API 2.0 writes a refused row's errors into the `sf__Error` column of failedResults as
// `STATUS_CODE:message:field1,field2 --`, one such group per error, joined by a space. The message
// itself may contain colons, commas and even " --" (validation rule texts are the customer's own),
// so the text is not split on separators: each group is anchored at both ends instead, at a status
// code at its start and at the field list and " --" that close it just before the next group's
// status code or the end of the text.
const GROUP = /([A-Z][A-Z0-9_]*):([\s\S]*?):([A-Za-z0-9_.]*(?:,[A-Za-z0-9_.]+)*) ?--(?=\s+[A-Z][A-Z0-9_]*:|\s*$)/g;

/**
 * Parses Salesforce's `sf__Error` text exactly into status code, message and fields, for every
 * error it holds. Text that does not follow the format is kept whole as the message of an
 * `UNKNOWN_ERROR`, never cut.
 */
export function parseBulkErrors(text: string): RecordError[] {
  const trimmed = text.trim();
  if (trimmed === '') return [{ statusCode: 'UNKNOWN_ERROR', message: 'Bulk API refused the record without a reason', fields: [] }];
  const errors: RecordError[] = [];
  let consumed = 0;
  for (const match of trimmed.matchAll(GROUP)) {
    if (trimmed.slice(consumed, match.index).trim() !== '') break;
    errors.push({ statusCode: match[1]!, message: match[2]!, fields: match[3] === '' ? [] : match[3]!.split(',') });
    consumed = match.index + match[0].length;
  }
  if (errors.length > 0 && trimmed.slice(consumed).trim() === '') return errors;
  // Older API versions and some errors omit the field list and the closing " --".
  const bare = /^([A-Z][A-Z0-9_]*):([\s\S]*)$/.exec(trimmed);
  if (bare !== null) return [{ statusCode: bare[1]!, message: bare[2]!, fields: [] }];
  return [{ statusCode: 'UNKNOWN_ERROR', message: trimmed, fields: [] }];
}
