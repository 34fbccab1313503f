export { ENTITIES, ENTITY_NAMES, entityByName, LINE_ITEM_TYPES } from './entities.ts';
export type { EntityDefinition, Issue, RecordData, Reference } from './entity.ts';
export { appendJournal, journalPrunedThrough, readChanges, JOURNAL_CHANNEL, type Change, type JournalEntry, type Operation, type Origin } from './journal.ts';
export { RecordStore, searchFieldsOf, toStoredRecord, type StoredRecord, type Written, type WriteStatus, type ListOptions } from './store.ts';
export { errorText, fail, ok, type Result, type StoreError, type StoreErrorCode } from './result.ts';
export {
  authenticateApiKey,
  createApiKey,
  createOrganization,
  ensureDefaultOrganization,
  findApiKey,
  generateApiKey,
  hashApiKey,
  issueApiKey,
  listApiKeys,
  listOrganizations,
  revokeApiKey,
  type ApiKeyInfo,
  type CreatedOrganization,
  type Organization,
} from './organizations.ts';
export { closeSession, openSession, sessionOf, type OpenedSession, type SessionInfo } from './sessions.ts';
export { ExactDecimal, isCurrency, minorUnits } from './money.ts';
export { countryCodeOf } from './fields.ts';
export { issuesFromZod } from './issues.ts';
export { safeString, unsafeTextIssues, unsafeTextReason } from './text.ts';
export {
  accountIdsOf, deletedRecordIdsSince, externalMappingsScopedTo, hasJournalAfter, journalAfter, lastJournalSeq, latestJournalSeqs, liveRecordIds, liveRecordIdsAfter, liveRecordsOf,
  loadRecordsWithAccount, referenceCodes, salesforceAccountMappings, userEmails, type JournalRead, type RecordWithAccount,
} from './reads.ts';
