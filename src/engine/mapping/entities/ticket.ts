import type { EntityTypeDefinition } from '../definition.ts';

/** Salesforce Case statuses as Ferry's ticket statuses; another status counts as open, or closed when the case is. */
const STATUS_IN = '($s := $lookup({"New": "NEW", "Working": "OPEN", "Escalated": "OPEN", "On Hold": "PENDING", "Closed": "CLOSED"}, $value); $s ? $s : (IsClosed ? "CLOSED" : "OPEN"))';
const PRIORITY_IN = '$lookup({"Low": "LOW", "Medium": "MEDIUM", "High": "HIGH", "Critical": "URGENT", "Urgent": "URGENT"}, $value)';

/**
 * Tickets are Salesforce Cases. Read from Salesforce (the usual way: support lives there), a case
 * follows its contact: it comes in once the contact has. Sent, a ticket becomes a case under its
 * contact and account.
 */
export const ticketDefinition: EntityTypeDefinition = {
  entityType: 'Ticket',
  objects: [{ entity: 'tickets', object: 'Case' }],
  defaults: [
    { kind: 'lookup', ferry: 'contactId', salesforce: 'ContactId', target: 'contacts' },
    { kind: 'lookup', ferry: 'accountId', salesforce: 'AccountId', target: 'accounts' },
    { ferry: 'subject', salesforce: 'Subject' },
    { ferry: 'description', salesforce: 'Description' },
    { ferry: 'status', salesforce: 'Status', transform: '$lookup({"NEW": "New", "OPEN": "Working", "PENDING": "Working", "SOLVED": "Closed", "CLOSED": "Closed"}, status)' },
    { ferry: 'priority', salesforce: 'Priority', transform: '$lookup({"LOW": "Low", "MEDIUM": "Medium", "HIGH": "High", "URGENT": "High"}, priority)' },
    { ferry: 'channel', salesforce: 'Origin' },
    { ferry: 'type', salesforce: 'Type' },
  ],
  // The CRM import's ticket table. A case with no subject is named by its number.
  reading: [
    { kind: 'lookup', ferry: 'contactId', salesforce: 'ContactId', target: 'contacts', required: true, direction: 'to_ferry' },
    { kind: 'lookup', ferry: 'accountId', salesforce: 'AccountId', target: 'accounts', direction: 'to_ferry' },
    { ferry: 'subject', salesforce: 'Subject', direction: 'to_ferry', transform: '$value ? $value : "Case " & CaseNumber' },
    { ferry: 'description', salesforce: 'Description', direction: 'to_ferry' },
    { ferry: 'status', salesforce: 'Status', direction: 'to_ferry', transform: STATUS_IN },
    { ferry: 'priority', salesforce: 'Priority', direction: 'to_ferry', transform: PRIORITY_IN },
    { ferry: 'channel', salesforce: 'Origin', direction: 'to_ferry' },
    { ferry: 'type', salesforce: 'Type', direction: 'to_ferry' },
    { ferry: 'displayId', salesforce: 'CaseNumber', direction: 'to_ferry' },
    { ferry: 'externalKey', salesforce: 'Id', direction: 'to_ferry' },
    { ferry: 'openedAt', salesforce: 'CreatedDate', direction: 'to_ferry' },
    { ferry: 'resolvedAt', salesforce: 'ClosedDate', direction: 'to_ferry' },
    { ferry: 'lastModifiedAt', salesforce: 'LastModifiedDate', direction: 'to_ferry' },
  ],
};
