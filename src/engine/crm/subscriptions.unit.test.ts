import { describe, expect, it } from 'vitest';
import { periodsAfter, subscriptionOf, type LineItemFacts } from './subscriptions.ts';

const facts = (over: Partial<LineItemFacts> & { line?: Partial<LineItemFacts['lineItem']>; prod?: Partial<LineItemFacts['product']> } = {}): LineItemFacts => ({
  lineItem: { Id: '00k000000000001AAA', Quantity: 2, UnitPrice: 100, ServiceDate: '2026-01-15', HasRevenueSchedule: false, ...over.line },
  opportunity: { Id: '006000000000001AAA', CloseDate: '2026-01-31' },
  product: { Id: '01t000000000001AAA', Name: 'Platform', NumberOfRevenueInstallments: null, RevenueInstallmentPeriod: null, ...over.prod },
  revenueScheduling: over.revenueScheduling ?? true,
  valueMetric: over.valueMetric ?? 'MRR',
  currency: over.currency ?? 'USD',
});
const JAN = new Date('2026-02-01T00:00:00Z');

describe('a closed-won line item as a subscription (the CRM seed\'s table)', () => {
  it('takes its name, key, deal, product, quantity and start; no usage', () => {
    expect(subscriptionOf(facts(), JAN)).toMatchObject({
      externalKey: '00k000000000001AAA', name: 'Platform', opportunityId: '006000000000001AAA', productCode: '01t000000000001AAA',
      quantity: '2', hasUsage: false, startDate: '2026-01-15', status: 'ACTIVE', currency: 'USD',
    });
  });

  it('starts at the close date when the line has no service date', () => {
    expect(subscriptionOf(facts({ line: { ServiceDate: null } }), JAN).startDate).toBe('2026-01-31');
  });

  it('is a one-time fee when the org schedules revenue and the line has no schedule: no end, no period', () => {
    const s = subscriptionOf(facts(), JAN);
    expect(s).toMatchObject({ oneTimeAmount: '100.00', recurringAmount: '0.00' });
    expect(s).not.toHaveProperty('endDate');
    expect(s).not.toHaveProperty('billingPeriod');
  });

  it('recurs each installment period with a schedule, its price shared among the installments, ending after the last', () => {
    const monthly = subscriptionOf(facts({ line: { HasRevenueSchedule: true }, prod: { NumberOfRevenueInstallments: 3, RevenueInstallmentPeriod: 'Monthly' } }), JAN);
    expect(monthly).toMatchObject({ oneTimeAmount: '0.00', recurringAmount: '33.33', billingPeriod: 'MONTHLY', endDate: '2026-04-15', status: 'ACTIVE' });
    const yearly = subscriptionOf(facts({ line: { HasRevenueSchedule: true, UnitPrice: 1000 }, prod: { NumberOfRevenueInstallments: 2, RevenueInstallmentPeriod: 'Yearly' } }), JAN);
    expect(yearly).toMatchObject({ recurringAmount: '500.00', billingPeriod: 'ANNUAL', endDate: '2028-01-15' });
    // Rounded to the currency: half up, to no decimals in yen.
    expect(subscriptionOf(facts({ currency: 'JPY', line: { HasRevenueSchedule: true, UnitPrice: 1000 }, prod: { NumberOfRevenueInstallments: 3, RevenueInstallmentPeriod: 'Quarterly' } }), JAN).recurringAmount).toBe('333');
  });

  it('is expired once its end has passed', () => {
    const ended = facts({ line: { HasRevenueSchedule: true, ServiceDate: '2025-01-01' }, prod: { NumberOfRevenueInstallments: 12, RevenueInstallmentPeriod: 'Monthly' } });
    expect(subscriptionOf(ended, new Date('2025-12-31T23:59:59Z')).status).toBe('ACTIVE');
    expect(subscriptionOf(ended, new Date('2026-01-01T00:00:00Z'))).toMatchObject({ endDate: '2026-01-01', status: 'EXPIRED' });
  });

  it('counts every line recurring in an org without revenue scheduling, billed by the value metric', () => {
    expect(subscriptionOf(facts({ revenueScheduling: false, valueMetric: 'MRR' }), JAN)).toMatchObject({ recurringAmount: '100.00', oneTimeAmount: '0.00', billingPeriod: 'MONTHLY' });
    expect(subscriptionOf(facts({ revenueScheduling: false, valueMetric: 'ACV' }), JAN)).toMatchObject({ billingPeriod: 'ANNUAL' });
    // A schedule flag without revenue scheduling changes nothing.
    expect(subscriptionOf(facts({ revenueScheduling: false, line: { HasRevenueSchedule: true } }), JAN)).not.toHaveProperty('endDate');
  });

  it('keeps a month end within its month', () => {
    expect(periodsAfter('2026-01-31', 'Monthly', 1)).toBe('2026-02-28');
    expect(periodsAfter('2028-01-31', 'Monthly', 1)).toBe('2028-02-29');
    expect(periodsAfter('2026-01-31', 'Weekly', 2)).toBe('2026-02-14');
    expect(periodsAfter('2024-02-29', 'Yearly', 1)).toBe('2025-02-28');
  });
});
