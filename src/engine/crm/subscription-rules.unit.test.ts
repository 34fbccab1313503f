// The default Subscription reading rules (JSONata, as data) compute what subscriptionOf (the
// seed's table in code) says, for every case of the table, from REST rows and from Bulk API rows
// (where every value is text).
import { describe, expect, it } from 'vitest';
import { compileReading, ferryValuesOf } from '../incoming/reading.ts';
import { defaultRules } from '../mapping/mapping.ts';
import { subscriptionOf, type LineItemFacts } from './subscriptions.ts';

const reading = compileReading('Subscription', defaultRules('Subscription', 'from_salesforce'));

const base: LineItemFacts = {
  lineItem: { Id: '00k000000000001AAA', Quantity: 3, UnitPrice: 1200, ServiceDate: '2026-01-31', HasRevenueSchedule: true },
  opportunity: { Id: '006000000000001AAA', CloseDate: '2025-12-15' },
  product: { Id: '01t000000000001AAA', Name: 'Platform licence', NumberOfRevenueInstallments: 12, RevenueInstallmentPeriod: 'Monthly' },
  revenueScheduling: true,
  valueMetric: 'MRR',
  currency: 'USD',
};

/** The line item as a Salesforce query row (flattened relationship fields), REST-typed or as Bulk API text. */
function rowOf(facts: LineItemFacts, text: boolean): Record<string, unknown> {
  const row: Record<string, unknown> = {
    Id: facts.lineItem.Id, Quantity: facts.lineItem.Quantity, UnitPrice: facts.lineItem.UnitPrice, ServiceDate: facts.lineItem.ServiceDate ?? null,
    HasRevenueSchedule: facts.lineItem.HasRevenueSchedule ?? false, OpportunityId: facts.opportunity.Id, 'Opportunity.CloseDate': facts.opportunity.CloseDate,
    'Opportunity.AccountId': '001000000000001AAA', Product2Id: facts.product.Id, 'Product2.Name': facts.product.Name,
    'Product2.NumberOfRevenueInstallments': facts.product.NumberOfRevenueInstallments ?? null, 'Product2.RevenueInstallmentPeriod': facts.product.RevenueInstallmentPeriod ?? null,
  };
  return text ? Object.fromEntries(Object.entries(row).map(([k, v]) => [k, v === null ? '' : String(v as string | number | boolean)])) : row;
}

async function viaRules(facts: LineItemFacts, text: boolean): Promise<Record<string, unknown>> {
  const values = await ferryValuesOf({ ...reading, bindings: { revenueScheduling: facts.revenueScheduling, valueMetric: facts.valueMetric, currency: facts.currency } }, rowOf(facts, text));
  delete values.accountId;
  return values;
}

function expected(facts: LineItemFacts): Record<string, unknown> {
  const s = subscriptionOf(facts, new Date());
  return {
    externalKey: s.externalKey, name: s.name, startDate: s.startDate, endDate: s.endDate ?? null, status: s.status, quantity: s.quantity, hasUsage: false,
    oneTimeAmount: s.oneTimeAmount, recurringAmount: s.recurringAmount, billingPeriod: s.billingPeriod ?? null, currency: s.currency, opportunityId: s.opportunityId, productCode: s.productCode,
  };
}

const CASES: [string, LineItemFacts][] = [
  ['a monthly schedule (price shared among 12 installments)', base],
  ['a yearly schedule', { ...base, product: { ...base.product, NumberOfRevenueInstallments: 3, RevenueInstallmentPeriod: 'Yearly' } }],
  ['a quarterly schedule that does not divide evenly', { ...base, lineItem: { ...base.lineItem, UnitPrice: 100 }, product: { ...base.product, NumberOfRevenueInstallments: 3, RevenueInstallmentPeriod: 'Quarterly' } }],
  ['no service date: starts at the close date', { ...base, lineItem: { ...base.lineItem, ServiceDate: null } }],
  ['no schedule in an org that schedules revenue: a one-time fee', { ...base, lineItem: { ...base.lineItem, HasRevenueSchedule: false } }],
  ['a schedule its product does not describe (custom): a one-time fee', { ...base, product: { ...base.product, NumberOfRevenueInstallments: null, RevenueInstallmentPeriod: null } }],
  ['an expired subscription (its end has passed)', { ...base, lineItem: { ...base.lineItem, ServiceDate: '2020-01-01' } }],
  ['an org without revenue scheduling, MRR', { ...base, revenueScheduling: false, lineItem: { ...base.lineItem, HasRevenueSchedule: null } }],
  ['an org without revenue scheduling, ACV', { ...base, revenueScheduling: false, valueMetric: 'ACV' }],
  ['a currency without minor units', { ...base, currency: 'JPY', lineItem: { ...base.lineItem, UnitPrice: 1000 }, product: { ...base.product, NumberOfRevenueInstallments: 3 } }],
  ['a fractional quantity', { ...base, lineItem: { ...base.lineItem, Quantity: 1.5 } }],
];

describe('the default Subscription reading rules', () => {
  for (const [name, facts] of CASES) {
    it(`match the seed's rules in code: ${name}`, async () => {
      expect(await viaRules(facts, false)).toEqual(expected(facts));
    });
    it(`read Bulk API text the same: ${name}`, async () => {
      expect(await viaRules(facts, true)).toEqual(expected(facts));
    });
  }
});
