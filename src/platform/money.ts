import { Decimal } from 'decimal.js';
import { z } from 'zod';

/**
 * Money and quantities travel as decimal strings ("1234.50", "-0.0001"), are stored as strings in
 * JSON and summed with decimal.js, so no amount ever passes through binary floating point.
 * Amounts in a currency are normalised to that currency's minor units (2 for USD, 0 for JPY);
 * unit prices and quantities keep the precision they were sent with (up to 12 places).
 */
const DECIMAL = /^-?(0|[1-9]\d{0,17})(\.\d{1,12})?$/;

const CURRENCIES = new Set(Intl.supportedValuesOf('currency'));

export function isCurrency(code: string): boolean {
  return CURRENCIES.has(code);
}

/** Minor units of an ISO 4217 currency, from the runtime's CLDR data. */
export function minorUnits(currency: string): number {
  // Building a NumberFormat costs ~25 µs; bills call this for every line item, so remember it.
  let digits = minorUnitsCache.get(currency);
  if (digits === undefined) {
    digits = new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
    minorUnitsCache.set(currency, digits);
  }
  return digits;
}

const minorUnitsCache = new Map<string, number>();

export const currencyCode = z
  .string()
  .regex(/^[A-Z]{3}$/, 'must be a three-letter ISO 4217 currency code in capitals, e.g. "USD"')
  .refine(isCurrency, { message: 'is not an ISO 4217 currency code known to Ferry' });

export const decimalString = z
  .string({ error: 'must be a decimal string such as "12.50" (numbers are refused so no amount is rounded by floating point)' })
  .regex(DECIMAL, 'must be a decimal string such as "12.50": digits, an optional minus sign and at most 12 decimal places');

/**
 * An amount of money: a decimal string of at most 14 digits before the point and 4 after (no
 * ISO currency has more minor digits; each record also checks its own currency's). Every amount
 * then fits Ferry's Salesforce amount fields (Number 18,4) exactly.
 */
export const AMOUNT_INTEGER_DIGITS = 14;
export const AMOUNT_DECIMALS = 4;
export const amountString = decimalString.refine((value) => {
  const [integer = '', fraction = ''] = value.replace(/^-/, '').split('.');
  return integer.replace(/^0+(?=\d)/, '').length <= AMOUNT_INTEGER_DIGITS && fraction.length <= AMOUNT_DECIMALS;
}, { message: `must be an amount of at most ${AMOUNT_INTEGER_DIGITS} digits before the decimal point and ${AMOUNT_DECIMALS} after, e.g. "1250000.00" (the most Salesforce's amount fields hold exactly)` });

/**
 * decimal.js rounds every result to 20 significant digits by default; Ferry's amounts have up to
 * 18 integer digits and 12 decimals, and their sums more. 64 digits keep every sum exact.
 */
export const ExactDecimal = Decimal.clone({ precision: 64 });

export function sum(values: readonly string[]): Decimal {
  return values.reduce((total, value) => total.plus(value), new ExactDecimal(0));
}

/** Checks that `amount` has no more decimal places than `currency` allows. */
export function fitsCurrency(amount: string, currency: string): boolean {
  return new Decimal(amount).decimalPlaces() <= minorUnits(currency);
}

/** "12.5" in USD -> "12.50"; the value must already fit the currency. */
export function normaliseAmount(amount: string, currency: string): string {
  return new Decimal(amount).toFixed(minorUnits(currency));
}

export function equalAmounts(a: Decimal.Value, b: Decimal.Value): boolean {
  return new ExactDecimal(a).equals(b);
}
