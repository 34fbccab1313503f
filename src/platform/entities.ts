import { z } from 'zod';
import type { EntityDefinition, Issue, RecordData } from './entity.ts';
import { address, code, countryCode, customFields, email, externalKey, id, isoDate, isoDateTime, name, text } from './fields.ts';
import { amountString, currencyCode, decimalString, equalAmounts, ExactDecimal, fitsCurrency, minorUnits, normaliseAmount, sum } from './money.ts';

// ---- shared rules -------------------------------------------------------------------------------

function dateOrder(data: RecordData, from: string, to: string): Issue[] {
  const start = data[from];
  const end = data[to];
  if (typeof start === 'string' && typeof end === 'string' && end < start) {
    return [{ path: [to], message: `must be on or after ${from} (${start})` }];
  }
  return [];
}

function amountFits(data: RecordData, path: (string | number)[], amount: unknown, currency: unknown): Issue[] {
  if (typeof amount !== 'string' || typeof currency !== 'string') return [];
  return fitsCurrency(amount, currency)
    ? []
    : [{ path, message: `has more decimal places than ${currency} allows` }];
}

function normaliseFields(data: RecordData, fields: string[]): RecordData {
  const currency = data.currency;
  if (typeof currency !== 'string') return data;
  const out = { ...data };
  for (const field of fields) {
    const value = out[field];
    if (typeof value === 'string') out[field] = normaliseAmount(value, currency);
  }
  return out;
}

// ---- billing entities --------------------------------------------------------------------------

const phone = z.strictObject({
  type: z.enum(['WORK', 'MOBILE', 'HOME', 'FAX', 'OTHER']),
  number: z.string().regex(/^\+?[0-9 ()./-]{3,32}$/, 'must be a phone number: digits, spaces and + ( ) . / - only'),
});

/** A domain people of the account write from: lower case, no scheme or path (e.g. "acme.com"). */
const emailDomain = z
  .string()
  .max(253, 'must be at most 253 characters')
  .regex(/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/, 'must be a domain name in lower case, such as "acme.com" (no scheme, path or @)');

const account: EntityDefinition = {
  name: 'accounts',
  label: 'account',
  typeName: 'Account',
  keyField: 'code',
  schema: z.strictObject({
    code,
    name,
    emailAddress: email.optional(),
    currency: currencyCode.optional(),
    parentAccountId: id.optional(),
    address: address.optional(),
    type: text(100).optional(),
    status: text(100).optional(),
    billGroup: text(100).optional(),
    arTerm: text(100).optional(),
    ownerUserId: id.optional(),
    /** Who owns the account in the CRM (Salesforce's Owner.Email and Owner.Name), as read from there. */
    crmOwnerEmail: email.optional(),
    crmOwnerName: text(121).optional(),
    description: text(32_000).optional(),
    shippingAddress: address.optional(),
    phones: z.array(phone).max(10).optional(),
    website: text(255).optional(),
    emailDomains: z.array(emailDomain).max(20).optional(),
    customFields: customFields.optional(),
    externalKey: externalKey.optional(),
  }),
  references: [
    { field: 'parentAccountId', entity: 'accounts' },
    { field: 'ownerUserId', entity: 'users' },
  ],
  filters: ['status', 'type', 'currency'],
};

const contact: EntityDefinition = {
  name: 'contacts',
  label: 'contact',
  typeName: 'Contact',
  schema: z.strictObject({
    accountId: id,
    firstName: text(80).optional(),
    lastName: name,
    title: text(128).optional(),
    salutation: text(40).optional(),
    department: text(80).optional(),
    notes: text(32_000).optional(),
    birthday: isoDate.optional(),
    email: email.optional(),
    phones: z.array(phone).max(10).optional(),
    address: address.optional(),
    otherAddress: address.optional(),
    type: text(100).optional(),
    customFields: customFields.optional(),
    externalKey: externalKey.optional(),
  }),
  references: [{ field: 'accountId', entity: 'accounts' }],
  account: { field: 'accountId' },
  filters: ['email', 'type'],
};

const contract: EntityDefinition = {
  name: 'contracts',
  label: 'contract',
  typeName: 'Contract',
  keyField: 'code',
  schema: z.strictObject({
    accountId: id,
    code,
    name,
    startDate: isoDate,
    endDate: isoDate.optional(),
    purchaseOrderNumber: text(100).optional(),
    customFields: customFields.optional(),
    externalKey: externalKey.optional(),
  }),
  references: [{ field: 'accountId', entity: 'accounts' }],
  account: { field: 'accountId' },
  filters: [],
  check: (data) => dateOrder(data, 'startDate', 'endDate'),
};

const scheduleEntry = z.strictObject({ date: isoDate, amount: amountString });

const commitment: EntityDefinition = {
  name: 'commitments',
  label: 'commitment',
  typeName: 'Commitment',
  schema: z.strictObject({
    accountId: id,
    contractId: id.optional(),
    amount: amountString,
    currency: currencyCode,
    startDate: isoDate,
    endDate: isoDate,
    billingSchedule: z.array(scheduleEntry).max(366).optional(),
    customFields: customFields.optional(),
    externalKey: externalKey.optional(),
  }),
  references: [
    { field: 'accountId', entity: 'accounts' },
    { field: 'contractId', entity: 'contracts' },
  ],
  account: { field: 'accountId' },
  parentField: 'contractId',
  filters: ['contractId', 'currency'],
  check: (data) => {
    const issues = [...dateOrder(data, 'startDate', 'endDate'), ...amountFits(data, ['amount'], data.amount, data.currency)];
    const schedule = data.billingSchedule as { date: string; amount: string }[] | undefined;
    if (schedule !== undefined && schedule.length > 0 && typeof data.amount === 'string') {
      schedule.forEach((entry, index) => issues.push(...amountFits(data, ['billingSchedule', index, 'amount'], entry.amount, data.currency)));
      const total = sum(schedule.map((entry) => entry.amount));
      if (!equalAmounts(total, data.amount)) {
        issues.push({ path: ['billingSchedule'], message: `amounts add up to ${total.toString()}, but the commitment amount is ${data.amount}` });
      }
    }
    return issues;
  },
  normalise: (data) => {
    const out = normaliseFields(data, ['amount']);
    const schedule = out.billingSchedule as { date: string; amount: string }[] | undefined;
    if (schedule !== undefined && typeof out.currency === 'string') {
      const currency = out.currency;
      out.billingSchedule = schedule.map((entry) => ({ ...entry, amount: normaliseAmount(entry.amount, currency) }));
    }
    return out;
  },
};

const balance: EntityDefinition = {
  name: 'balances',
  label: 'balance',
  typeName: 'Balance',
  keyField: 'code',
  schema: z.strictObject({
    accountId: id,
    code,
    name,
    currency: currencyCode,
    amount: amountString,
    startDate: isoDate,
    endDate: isoDate.optional(),
    customFields: customFields.optional(),
    externalKey: externalKey.optional(),
  }),
  references: [{ field: 'accountId', entity: 'accounts' }],
  account: { field: 'accountId' },
  filters: ['currency'],
  check: (data) => [...dateOrder(data, 'startDate', 'endDate'), ...amountFits(data, ['amount'], data.amount, data.currency)],
  normalise: (data) => normaliseFields(data, ['amount']),
};

const balanceTransaction: EntityDefinition = {
  name: 'balance-transactions',
  label: 'balance transaction',
  typeName: 'BalanceTransaction',
  schema: z.strictObject({
    balanceId: id,
    amount: amountString,
    type: z.enum(['CREDIT', 'DEBIT', 'ADJUSTMENT', 'EXPIRY', 'ROLLOVER']),
    appliedAt: isoDateTime,
    description: text(1000).optional(),
    externalKey: externalKey.optional(),
  }),
  references: [{ field: 'balanceId', entity: 'balances' }],
  account: { via: 'balanceId' },
  parentField: 'balanceId',
  filters: ['balanceId', 'type'],
};

export const LINE_ITEM_TYPES = [
  'STANDING_CHARGE',
  'USAGE',
  'MINIMUM_SPEND',
  'COMMITMENT_FEE',
  'OVERAGE',
  'CREDIT_MEMO',
  'DEBIT_MEMO',
  'ADJUSTMENT',
] as const;

const lineItem = z.strictObject({
  lineItemType: z.enum(LINE_ITEM_TYPES),
  productCode: text(100).optional(),
  description: text(1000).optional(),
  quantity: decimalString,
  unitPrice: decimalString,
  amount: amountString,
});

/**
 * A line's amount is its quantity times its unit price, rounded to the currency: a bill whose
 * columns do not multiply is one its customer queries, and Salesforce shows all three. A unit
 * price with no more decimals than the currency may itself be rounded (0.0149 shown as 0.01), so
 * the amount may then differ by up to half a minor unit per unit of quantity; a finer unit price
 * is taken as exact. Tiered or prorated charges send their effective unit price (12 decimals).
 */
function lineAmountMatches(item: { quantity: string; unitPrice: string; amount: string }, currency: unknown, path: (string | number)[]): Issue[] {
  if (typeof currency !== 'string') return [];
  const digits = minorUnits(currency);
  const half = new ExactDecimal(10).pow(-digits).div(2);
  const quantity = new ExactDecimal(item.quantity);
  const product = quantity.times(item.unitPrice);
  const priceMayBeRounded = new ExactDecimal(item.unitPrice).decimalPlaces() <= digits;
  const tolerance = priceMayBeRounded ? half.plus(quantity.abs().times(half)) : half;
  if (product.minus(item.amount).abs().lte(tolerance)) return [];
  return [{ path, message: `is ${item.amount}, but quantity × unit price is ${item.quantity} × ${item.unitPrice} = ${product.toFixed(digits)} ${currency}` }];
}

const bill: EntityDefinition = {
  name: 'bills',
  label: 'bill',
  typeName: 'Bill',
  keyField: 'billNumber',
  schema: z.strictObject({
    accountId: id,
    billNumber: code,
    billDate: isoDate,
    periodStart: isoDate,
    periodEnd: isoDate,
    dueDate: isoDate,
    status: z.enum(['PENDING', 'APPROVED']).default('PENDING'),
    locked: z.boolean().default(false),
    currency: currencyCode,
    total: amountString,
    lineItems: z.array(lineItem).max(10_000),
    customFields: customFields.optional(),
    externalKey: externalKey.optional(),
  }),
  references: [{ field: 'accountId', entity: 'accounts' }],
  account: { field: 'accountId' },
  filters: ['status'],
  check: (data) => {
    const issues = [
      ...dateOrder(data, 'periodStart', 'periodEnd'),
      ...dateOrder(data, 'billDate', 'dueDate'),
      ...amountFits(data, ['total'], data.total, data.currency),
    ];
    const items = data.lineItems as { quantity: string; unitPrice: string; amount: string }[];
    items.forEach((item, index) => {
      const fits = amountFits(data, ['lineItems', index, 'amount'], item.amount, data.currency);
      issues.push(...(fits.length > 0 ? fits : lineAmountMatches(item, data.currency, ['lineItems', index, 'amount'])));
    });
    if (typeof data.total === 'string') {
      const total = sum(items.map((item) => item.amount));
      if (!equalAmounts(total, data.total)) {
        issues.push({ path: ['total'], message: `is ${data.total}, but the line item amounts add up to ${total.toString()}` });
      }
    }
    return issues;
  },
  normalise: (data) => {
    const out = normaliseFields(data, ['total']);
    const currency = out.currency as string;
    out.lineItems = (out.lineItems as { amount: string }[]).map((item) => ({ ...item, amount: normaliseAmount(item.amount, currency) }));
    return out;
  },
  frozen: (data) =>
    data.locked === true
      ? 'it is locked, and locking is permanent: a locked bill cannot be changed, unlocked or deleted. To correct it, issue a new bill, e.g. a credit note with CREDIT_MEMO line items'
      : undefined,
  actions: { approve: { summary: 'Approve a bill (idempotent)', patch: { status: 'APPROVED' } } },
};

// ---- catalogue ----------------------------------------------------------------------------------

export const FREQUENCIES = ['DAILY', 'WEEKLY', 'MONTHLY', 'QUARTERLY', 'SEMI_ANNUAL', 'ANNUAL', 'ONE_TIME'] as const;

/** Volume tiers: from this quantity on, this unit price. Strictly ascending, the first from 0. */
const tier = z.strictObject({ fromQuantity: decimalString, unitPrice: decimalString });

function tierIssues(tiers: readonly { fromQuantity: string }[] | undefined, path: (string | number)[]): Issue[] {
  if (tiers === undefined || tiers.length === 0) return [];
  const issues: Issue[] = [];
  if (!new ExactDecimal(tiers[0]!.fromQuantity).isZero()) issues.push({ path: [...path, 0, 'fromQuantity'], message: 'the first tier starts at 0' });
  for (let i = 1; i < tiers.length; i++) {
    if (!new ExactDecimal(tiers[i]!.fromQuantity).gt(tiers[i - 1]!.fromQuantity)) {
      issues.push({ path: [...path, i, 'fromQuantity'], message: `must be more than the tier before it (${tiers[i - 1]!.fromQuantity}): tiers go up` });
    }
  }
  return issues;
}

/** Indexes of entries whose key an earlier entry already has. */
function duplicates<T>(items: readonly T[], keyOf: (item: T) => string): number[] {
  const seen = new Set<string>();
  const out: number[] = [];
  items.forEach((item, index) => {
    const key = keyOf(item);
    if (seen.has(key)) out.push(index);
    seen.add(key);
  });
  return out;
}

/** A frequency a product is sold at: Salesforce gets one product record for each. */
const productFrequency = z.strictObject({
  frequency: z.enum(FREQUENCIES),
  customFields: customFields.optional(),
});

/** The price of a product in one currency at one frequency, optionally by volume tiers. */
const pricingRule = z.strictObject({
  currency: currencyCode,
  frequency: z.enum(FREQUENCIES),
  price: decimalString,
  description: text(255).optional(),
  tiers: z.array(tier).max(100).optional(),
});

const product: EntityDefinition = {
  name: 'products',
  label: 'product',
  typeName: 'Product',
  keyField: 'code',
  schema: z.strictObject({
    code,
    name,
    description: text(2000).optional(),
    active: z.boolean().default(true),
    frequencies: z.array(productFrequency).max(FREQUENCIES.length).default([]),
    currencies: z.array(currencyCode).max(200).default([]),
    pricingRules: z.array(pricingRule).max(1000).default([]),
    serviceIds: z.array(id).max(200).default([]),
    customFields: customFields.optional(),
    externalKey: externalKey.optional(),
  }),
  references: [{ field: 'serviceIds', entity: 'services', many: true }],
  filters: ['active'],
  check: (data) => {
    const issues: Issue[] = [];
    const frequencies = (data.frequencies as z.infer<typeof productFrequency>[]).map((f) => f.frequency);
    const currencies = data.currencies as string[];
    const rules = data.pricingRules as z.infer<typeof pricingRule>[];
    for (const index of duplicates(frequencies, (f) => f)) issues.push({ path: ['frequencies', index, 'frequency'], message: `${frequencies[index]} is listed twice` });
    for (const index of duplicates(currencies, (c) => c)) issues.push({ path: ['currencies', index], message: `${currencies[index]} is listed twice` });
    for (const index of duplicates(data.serviceIds as string[], (s) => s)) issues.push({ path: ['serviceIds', index], message: 'the service is listed twice' });
    for (const index of duplicates(rules, (r) => `${r.currency}/${r.frequency}`)) {
      issues.push({ path: ['pricingRules', index], message: `a pricing rule for ${rules[index]!.currency} ${rules[index]!.frequency} comes earlier: one price per currency and frequency` });
    }
    rules.forEach((rule, index) => {
      issues.push(...amountFits(data, ['pricingRules', index, 'price'], rule.price, rule.currency));
      if (currencies.length > 0 && !currencies.includes(rule.currency)) {
        issues.push({ path: ['pricingRules', index, 'currency'], message: `${rule.currency} is not one of the product's currencies (${currencies.join(', ')}): add it to currencies` });
      }
      if (frequencies.length > 0 && !frequencies.includes(rule.frequency)) {
        issues.push({ path: ['pricingRules', index, 'frequency'], message: `${rule.frequency} is not one of the product's frequencies (${frequencies.join(', ')}): add it to frequencies` });
      }
      // Unit prices may be finer than the currency's minor unit (a tenth of a cent a call).
      issues.push(...tierIssues(rule.tiers, ['pricingRules', index, 'tiers']));
    });
    return issues;
  },
};

/** An allowance of usage a service includes each period (e.g. 1000 API calls), before charges apply. */
const usageBucket = z.strictObject({
  code,
  name,
  quantity: decimalString,
  unit: text(64).optional(),
});

const service: EntityDefinition = {
  name: 'services',
  label: 'service',
  typeName: 'Service',
  keyField: 'code',
  schema: z.strictObject({
    code,
    name,
    description: text(2000).optional(),
    unit: text(64).optional(),
    active: z.boolean().default(true),
    usageBuckets: z.array(usageBucket).max(100).default([]),
    externalKey: externalKey.optional(),
  }),
  references: [],
  filters: ['active'],
  check: (data) => {
    const buckets = data.usageBuckets as z.infer<typeof usageBucket>[];
    return duplicates(buckets, (b) => b.code).map((index) => ({ path: ['usageBuckets', index, 'code'], message: `another usage bucket of the service has code ${buckets[index]!.code}` }));
  },
};

/** Rates of a plan come in groups (e.g. domestic and international calls), each with its tiers. */
const rateGroup = z.strictObject({
  code,
  name,
  tiers: z.array(tier).min(1, 'needs at least one tier').max(100),
});

const ratePlan: EntityDefinition = {
  name: 'rate-plans',
  label: 'rate plan',
  typeName: 'RatePlan',
  keyField: 'code',
  schema: z.strictObject({
    code,
    name,
    productId: id,
    serviceId: id.optional(),
    currency: currencyCode,
    frequency: z.enum(FREQUENCIES),
    groups: z.array(rateGroup).min(1, 'needs at least one group of rates').max(50),
    externalKey: externalKey.optional(),
  }),
  references: [
    { field: 'productId', entity: 'products' },
    { field: 'serviceId', entity: 'services' },
  ],
  parentField: 'productId',
  filters: ['productId', 'serviceId'],
  check: (data) => {
    const groups = data.groups as z.infer<typeof rateGroup>[];
    const issues: Issue[] = duplicates(groups, (g) => g.code).map((index) => ({ path: ['groups', index, 'code'], message: `another group of the plan has code ${groups[index]!.code}` }));
    groups.forEach((group, index) => issues.push(...tierIssues(group.tiers, ['groups', index, 'tiers'])));
    return issues;
  },
};

// ---- reference data -----------------------------------------------------------------------------

function referenceList(
  entityName: string,
  label: string,
  typeName: string,
  extra: Record<string, z.ZodType> = {},
): EntityDefinition {
  return {
    name: entityName,
    label,
    typeName,
    keyField: 'code',
    schema: z.strictObject({
      code,
      name,
      description: text(1000).optional(),
      active: z.boolean().default(true),
      externalKey: externalKey.optional(),
      ...extra,
    }),
    references: [],
    filters: ['active'],
  };
}

/** The contact points a contact type names: its e-mail, a phone of one type, its address. */
export const CONTACT_POINT_KINDS = ['email', 'phone.WORK', 'phone.MOBILE', 'phone.HOME', 'phone.FAX', 'phone.OTHER', 'address'] as const;

const state = z.strictObject({ code: z.string().regex(/^[A-Z0-9]{1,3}$/, 'must be 1-3 capital letters or digits'), name });

const referenceData: EntityDefinition[] = [
  referenceList('account-types', 'account type', 'AccountType'),
  referenceList('account-statuses', 'account status', 'AccountStatus'),
  referenceList('contact-types', 'contact type', 'ContactType', {
    points: z.array(z.enum(CONTACT_POINT_KINDS)).max(CONTACT_POINT_KINDS.length).default([])
      .meta({ description: 'The contact points a contact of this type has: email, phone.WORK (a phone of that type), address.' }),
  }),
  referenceList('bill-groups', 'bill group', 'BillGroup'),
  referenceList('ar-terms', 'AR term', 'ArTerm', { days: z.number().int().min(0).max(3650) }),
  {
    ...referenceList('currencies', 'currency', 'Currency'),
    schema: z.strictObject({ code: currencyCode, name, active: z.boolean().default(true), externalKey: externalKey.optional() }),
  },
  {
    ...referenceList('countries', 'country', 'Country'),
    schema: z.strictObject({
      code: countryCode,
      name,
      states: z.array(state).max(500).default([]),
      active: z.boolean().default(true),
      externalKey: externalKey.optional(),
    }),
  },
];

// ---- CRM-side entities --------------------------------------------------------------------------

const subscription: EntityDefinition = {
  name: 'subscriptions',
  label: 'subscription',
  typeName: 'Subscription',
  schema: z.strictObject({
    accountId: id,
    productId: id.optional(),
    name,
    status: z.enum(['ACTIVE', 'EXPIRED', 'CANCELLED']).default('ACTIVE'),
    startDate: isoDate,
    endDate: isoDate.optional(),
    currency: currencyCode,
    quantity: decimalString.default('1'),
    recurringAmount: decimalString.default('0'),
    oneTimeAmount: decimalString.default('0'),
    billingPeriod: z.enum(FREQUENCIES).optional(),
    hasUsage: z.boolean().default(false),
    /** The deal it came from (a Salesforce Opportunity id), and the product's code there. */
    opportunityId: text(64).optional(),
    productCode: text(255).optional(),
    customFields: customFields.optional(),
    externalKey: externalKey.optional(),
  }),
  references: [
    { field: 'accountId', entity: 'accounts' },
    { field: 'productId', entity: 'products' },
  ],
  account: { field: 'accountId' },
  filters: ['status', 'productId'],
  check: (data) => [
    ...dateOrder(data, 'startDate', 'endDate'),
    ...amountFits(data, ['recurringAmount'], data.recurringAmount, data.currency),
    ...amountFits(data, ['oneTimeAmount'], data.oneTimeAmount, data.currency),
  ],
  normalise: (data) => normaliseFields(data, ['recurringAmount', 'oneTimeAmount']),
};

const ticket: EntityDefinition = {
  name: 'tickets',
  label: 'ticket',
  typeName: 'Ticket',
  schema: z.strictObject({
    accountId: id.optional(),
    contactId: id.optional(),
    subject: name,
    description: text(32_000).optional(),
    status: z.enum(['NEW', 'OPEN', 'PENDING', 'SOLVED', 'CLOSED']).default('NEW'),
    priority: z.enum(['LOW', 'MEDIUM', 'HIGH', 'URGENT']).default('MEDIUM'),
    /** How it came in (Salesforce's Origin: Phone, Email, Web). */
    channel: text(40).optional(),
    type: text(100).optional(),
    /** The number people quote (Salesforce's CaseNumber). */
    displayId: text(80).optional(),
    /** When it was opened and resolved where it lives (Salesforce's CreatedDate and ClosedDate). */
    openedAt: isoDateTime.optional(),
    resolvedAt: isoDateTime.optional(),
    /** When it last changed where it lives (Salesforce's LastModifiedDate). */
    lastModifiedAt: isoDateTime.optional(),
    /** Set by Ferry: whole seconds from openedAt to resolvedAt (calendar time); absent until both are known. */
    resolutionSeconds: z.number().int().min(0).optional(),
    customFields: customFields.optional(),
    externalKey: externalKey.optional(),
  }),
  references: [
    { field: 'accountId', entity: 'accounts' },
    { field: 'contactId', entity: 'contacts' },
  ],
  account: { field: 'accountId' },
  parentField: 'contactId',
  filters: ['status', 'contactId', 'displayId'],
  check: (data) => {
    const opened = typeof data.openedAt === 'string' ? Date.parse(data.openedAt) : NaN;
    const resolved = typeof data.resolvedAt === 'string' ? Date.parse(data.resolvedAt) : NaN;
    return resolved < opened ? [{ path: ['resolvedAt'], message: `must be on or after openedAt (${String(data.openedAt)})` }] : [];
  },
  normalise: (data) => {
    const out = { ...data };
    const opened = typeof data.openedAt === 'string' ? Date.parse(data.openedAt) : NaN;
    const resolved = typeof data.resolvedAt === 'string' ? Date.parse(data.resolvedAt) : NaN;
    if (Number.isFinite(opened) && Number.isFinite(resolved)) out.resolutionSeconds = Math.floor((resolved - opened) / 1000);
    else delete out.resolutionSeconds;
    return out;
  },
};

const user: EntityDefinition = {
  name: 'users',
  label: 'user',
  typeName: 'User',
  keyField: 'email',
  schema: z.strictObject({
    email,
    name,
    active: z.boolean().default(true),
    currencies: z.array(currencyCode).max(200).default([]).meta({ description: 'As the owner of accounts: the currencies the accounts they own are billed in.' }),
    externalKey: externalKey.optional(),
  }),
  references: [],
  filters: ['active'],
  check: (data) => duplicates(data.currencies as string[], (c) => c).map((index) => ({ path: ['currencies', index], message: `${(data.currencies as string[])[index]} is listed twice` })),
};

// ---- external mappings --------------------------------------------------------------------------

const mappedEntities = [
  'accounts', 'contacts', 'contracts', 'commitments', 'balances', 'balance-transactions', 'bills',
  'products', 'services', 'rate-plans', 'subscriptions', 'tickets', 'users',
] as const;

const externalMapping: EntityDefinition = {
  name: 'external-mappings',
  label: 'external mapping',
  typeName: 'ExternalMapping',
  // Called on the input before it is validated: a part that is not a string (an object whose
  // toString is not a function, say) gives no key, and validation then refuses the input.
  keyOf: (data) => {
    const parts = [data.integrationId ?? '*', data.externalSystem, data.externalTable, data.externalId];
    return parts.every((part): part is string => typeof part === 'string') ? parts.join('|') : null;
  },
  schema: z.strictObject({
    externalSystem: code,
    externalTable: code,
    externalId: text(255).min(1, 'must not be empty'),
    entity: z.enum(mappedEntities),
    entityId: id,
    integrationId: id.optional(),
  }),
  // The integration must be one of the same organization's: otherwise an organization could tie
  // its mappings to another's integration id.
  references: (data) => [
    ...(typeof data.entity === 'string' ? [{ field: 'entityId', entity: data.entity }] : []),
    { field: 'integrationId', entity: 'integrations' },
  ],
  filters: ['externalSystem', 'externalTable', 'externalId', 'entity', 'entityId', 'integrationId'],
};

export const ENTITIES: readonly EntityDefinition[] = [
  account, contact, contract, commitment, balance, balanceTransaction, bill,
  product, service, ratePlan, ...referenceData, subscription, ticket, user, externalMapping,
];

const byName = new Map(ENTITIES.map((definition) => [definition.name, definition]));

export function entityByName(entityName: string): EntityDefinition | undefined {
  return byName.get(entityName);
}

export const ENTITY_NAMES = ENTITIES.map((definition) => definition.name);
