import type { EntityTypeDefinition } from '../definition.ts';

// The CRM import's subscription table as JSONata over an OpportunityLineItem read with its
// opportunity's and product's fields. The reader binds $revenueScheduling (the org schedules
// revenue: its products have CanUseRevenueSchedule), $valueMetric (MRR or ACV: what a price is in
// an org without it) and $currency. src/engine/crm/subscriptions.ts states the same rules in code;
// a unit test holds the two to one another.
const PERIOD = '`Product2.RevenueInstallmentPeriod`';
const INSTALLMENTS = '`Product2.NumberOfRevenueInstallments`';
const START = '(ServiceDate ? ServiceDate : `Opportunity.CloseDate`)';
/** The line has a revenue schedule Ferry can read: its product's (a custom one is not). */
const SCHEDULED = `($revenueScheduling = true and HasRevenueSchedule in [true, "true"] and $exists($addPeriods("2000-01-01", ${PERIOD}, ${INSTALLMENTS})))`;
const END = `(${SCHEDULED} ? $addPeriods(${START}, ${PERIOD}, ${INSTALLMENTS}))`;

export const SUBSCRIPTION_RULES = {
  start: START,
  end: END,
  status: `($end := ${END}; $exists($end) and $end <= $substring($now(), 0, 10) ? "EXPIRED" : "ACTIVE")`,
  oneTime: `(($revenueScheduling = true and $not(${SCHEDULED})) ? $money(UnitPrice, $currency) : $money(0, $currency))`,
  recurring: `($revenueScheduling != true ? $money(UnitPrice, $currency) : (${SCHEDULED} ? $money(UnitPrice, $currency, ${INSTALLMENTS}) : $money(0, $currency)))`,
  billingPeriod: `($revenueScheduling != true ? ($valueMetric = "ACV" ? "ANNUAL" : "MONTHLY") : (${SCHEDULED} ? $lookup({"Daily": "DAILY", "Weekly": "WEEKLY", "Monthly": "MONTHLY", "Quarterly": "QUARTERLY", "Yearly": "ANNUAL"}, ${PERIOD})))`,
} as const;

/**
 * Subscriptions are the line items of Salesforce opportunities that closed won, under an account
 * Ferry has: read only (sync.direction from_salesforce). A line item whose opportunity leaves
 * Closed Won, is deleted, or is removed from it, takes its subscription with it.
 */
export const subscriptionDefinition: EntityTypeDefinition = {
  entityType: 'Subscription',
  objects: [{ entity: 'subscriptions', object: 'OpportunityLineItem' }],
  defaults: [],
  reading: [
    { kind: 'lookup', ferry: 'accountId', salesforce: 'Opportunity.AccountId', target: 'accounts', required: true, direction: 'to_ferry' },
    { ferry: 'externalKey', salesforce: 'Id', direction: 'to_ferry' },
    { ferry: 'name', salesforce: 'Product2.Name', direction: 'to_ferry' },
    { ferry: 'startDate', salesforce: 'ServiceDate', direction: 'to_ferry', transform: SUBSCRIPTION_RULES.start },
    { ferry: 'endDate', salesforce: 'ServiceDate', direction: 'to_ferry', transform: SUBSCRIPTION_RULES.end },
    { ferry: 'status', salesforce: 'ServiceDate', direction: 'to_ferry', transform: SUBSCRIPTION_RULES.status },
    { ferry: 'quantity', salesforce: 'Quantity', direction: 'to_ferry', transform: '$string($number($value))' },
    { ferry: 'hasUsage', salesforce: 'Id', direction: 'to_ferry', transform: 'false' },
    { ferry: 'oneTimeAmount', salesforce: 'UnitPrice', direction: 'to_ferry', transform: SUBSCRIPTION_RULES.oneTime },
    { ferry: 'recurringAmount', salesforce: 'UnitPrice', direction: 'to_ferry', transform: SUBSCRIPTION_RULES.recurring },
    { ferry: 'billingPeriod', salesforce: 'HasRevenueSchedule', direction: 'to_ferry', transform: SUBSCRIPTION_RULES.billingPeriod },
    { ferry: 'currency', salesforce: 'Id', direction: 'to_ferry', transform: '$currency' },
    { ferry: 'opportunityId', salesforce: 'OpportunityId', direction: 'to_ferry' },
    { ferry: 'productCode', salesforce: 'Product2Id', direction: 'to_ferry' },
  ],
};
