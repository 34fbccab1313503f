// A closed-won deal's line item as a Ferry subscription (issue 10): the rules of the CRM seed's
// subscription table, pure, for the reader that will apply them. Revenue scheduling decides
// one-time against recurring: an org without it counts every line recurring (billed by the
// workspace's value metric); with it, a line whose product has no revenue schedule is a one-time
// fee, and a scheduled line recurs each installment period, its price shared among the
// installments, ending that many periods after its start.
import { DateTime } from 'luxon';
import { ExactDecimal, minorUnits } from '../../platform/index.ts';

export const INSTALLMENT_PERIODS = ['Daily', 'Weekly', 'Monthly', 'Quarterly', 'Yearly'] as const;
export type InstallmentPeriod = (typeof INSTALLMENT_PERIODS)[number];

/** Ferry's billing period for each Salesforce installment period. */
const BILLING_PERIOD: Record<InstallmentPeriod, 'DAILY' | 'WEEKLY' | 'MONTHLY' | 'QUARTERLY' | 'ANNUAL'> = {
  Daily: 'DAILY', Weekly: 'WEEKLY', Monthly: 'MONTHLY', Quarterly: 'QUARTERLY', Yearly: 'ANNUAL',
};

const PERIOD_LENGTH: Record<InstallmentPeriod, { days?: number; weeks?: number; months?: number; quarters?: number; years?: number }> = {
  Daily: { days: 1 }, Weekly: { weeks: 1 }, Monthly: { months: 1 }, Quarterly: { quarters: 1 }, Yearly: { years: 1 },
};

export interface LineItemFacts {
  lineItem: { Id: string; Quantity: number; UnitPrice: number; ServiceDate?: string | null; HasRevenueSchedule?: boolean | null };
  opportunity: { Id: string; CloseDate: string };
  product: { Id: string; Name: string; NumberOfRevenueInstallments?: number | null; RevenueInstallmentPeriod?: string | null };
  /** The org has revenue scheduling (Product2 has CanUseRevenueSchedule). */
  revenueScheduling: boolean;
  /** Without revenue scheduling, what a line's price is: monthly (MRR) or yearly (ACV) revenue. */
  valueMetric: 'MRR' | 'ACV';
  currency: string;
}

export interface SubscriptionValues {
  externalKey: string;
  name: string;
  startDate: string;
  endDate?: string;
  status: 'ACTIVE' | 'EXPIRED';
  quantity: string;
  hasUsage: false;
  oneTimeAmount: string;
  recurringAmount: string;
  billingPeriod?: 'DAILY' | 'WEEKLY' | 'MONTHLY' | 'QUARTERLY' | 'ANNUAL';
  currency: string;
  opportunityId: string;
  /** The Salesforce product's Id, as the seed's table has it (its ProductCode may be empty or shared). */
  productCode: string;
}

/** The line's revenue schedule, when it has one Ferry can read (its product's, not a custom one). */
function scheduleOf(facts: LineItemFacts): { installments: number; period: InstallmentPeriod } | undefined {
  const { product, lineItem } = facts;
  const period = product.RevenueInstallmentPeriod;
  const installments = product.NumberOfRevenueInstallments;
  if (!facts.revenueScheduling || lineItem.HasRevenueSchedule !== true) return undefined;
  if (typeof installments !== 'number' || installments < 1 || !(INSTALLMENT_PERIODS as readonly string[]).includes(period ?? '')) return undefined;
  return { installments, period: period as InstallmentPeriod };
}

/** `start` (YYYY-MM-DD) moved on `n` periods; a month end stays within its month (31 Jan + 1 month is 28 or 29 Feb). */
export function periodsAfter(start: string, period: InstallmentPeriod, n: number): string {
  const length = PERIOD_LENGTH[period];
  const scaled = Object.fromEntries(Object.entries(length).map(([unit, count]) => [unit, count * n]));
  return DateTime.fromISO(start, { zone: 'utc' }).plus(scaled).toISODate()!;
}

function money(value: InstanceType<typeof ExactDecimal>, currency: string): string {
  return value.toDecimalPlaces(minorUnits(currency), ExactDecimal.ROUND_HALF_UP).toFixed(minorUnits(currency));
}

/** The subscription a closed-won line item makes, as of `now`. */
export function subscriptionOf(facts: LineItemFacts, now: Date): SubscriptionValues {
  const { lineItem, opportunity, product, currency } = facts;
  const startDate = lineItem.ServiceDate ?? opportunity.CloseDate;
  const schedule = scheduleOf(facts);
  const price = new ExactDecimal(lineItem.UnitPrice);
  const zero = money(new ExactDecimal(0), currency);
  const out: SubscriptionValues = {
    externalKey: lineItem.Id,
    name: product.Name,
    startDate,
    status: 'ACTIVE',
    quantity: new ExactDecimal(lineItem.Quantity).toString(),
    hasUsage: false,
    oneTimeAmount: zero,
    recurringAmount: zero,
    currency,
    opportunityId: opportunity.Id,
    productCode: product.Id,
  };
  if (!facts.revenueScheduling) {
    out.recurringAmount = money(price, currency);
    out.billingPeriod = facts.valueMetric === 'MRR' ? 'MONTHLY' : 'ANNUAL';
  } else if (schedule === undefined) {
    out.oneTimeAmount = money(price, currency);
  } else {
    out.recurringAmount = money(price.dividedBy(schedule.installments), currency);
    out.billingPeriod = BILLING_PERIOD[schedule.period];
    out.endDate = periodsAfter(startDate, schedule.period, schedule.installments);
  }
  // Expired once its end has passed (the end date is the first day it no longer runs).
  if (out.endDate !== undefined && now.toISOString().slice(0, 10) >= out.endDate) out.status = 'EXPIRED';
  return out;
}

/**
 * `$addPeriods(date, period, count)` for reading rules: the date (YYYY-MM-DD) `count` installment
 * periods (Daily ... Yearly) on; undefined when any part is missing or not one of these.
 */
export function addPeriods(date: unknown, period: unknown, count: unknown): string | undefined {
  const n = typeof count === 'string' && count.trim() !== '' ? Number(count) : count;
  if (typeof date !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(date)) return undefined;
  if (typeof period !== 'string' || !(INSTALLMENT_PERIODS as readonly string[]).includes(period)) return undefined;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1) return undefined;
  return periodsAfter(date, period as InstallmentPeriod, n);
}

/**
 * `$money(amount, currency, divisor?)` for reading rules: the amount (a number or its text),
 * divided exactly when a divisor is given, rounded half up to the currency's minor units, as the
 * decimal text Ferry stores; undefined when the amount is missing or not a number.
 */
export function moneyOf(amount: unknown, currency: unknown, divisor?: unknown): string | undefined {
  const parse = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? new ExactDecimal(v) : typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v)) ? new ExactDecimal(v.trim()) : undefined);
  const value = parse(amount);
  if (value === undefined || typeof currency !== 'string') return undefined;
  const by = divisor === undefined || divisor === null ? undefined : parse(divisor);
  if (divisor !== undefined && divisor !== null && (by === undefined || by.isZero())) return undefined;
  return money(by === undefined ? value : value.dividedBy(by), currency);
}
