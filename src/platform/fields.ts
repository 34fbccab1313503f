import countries from 'i18n-iso-countries';
import { z } from 'zod';
import { safeString } from './text.ts';

/** Field types shared by the entity schemas. Each message says what a valid value looks like. */

export const id = z.uuid({ error: 'must be a Ferry id (a UUID such as "0190a3c2-7b1e-7cc0-9a4e-1f2d3c4b5a69")' });

// ISO 8601 has a year 0000 (1 BC) but Postgres has none: such a date cannot be stored or compared.
const notYearZero = (value: string) => !value.startsWith('0000');

export const isoDate = z.iso
  .date({ error: 'must be a calendar date written YYYY-MM-DD, e.g. "2026-01-31"' })
  .refine(notYearZero, { message: 'must be a date from year 0001 on (there is no year 0000), e.g. "2026-01-31"' });

export const isoDateTime = z.iso
  .datetime({
    offset: true,
    error: 'must be a date-time in ISO 8601 with a time zone, e.g. "2026-01-31T09:30:00Z"',
  })
  .refine(notYearZero, { message: 'must be a date-time from year 0001 on (there is no year 0000), e.g. "2026-01-31T09:30:00Z"' });

export const email = z.email({ error: 'must be an e-mail address such as "ap@example.com"' });

export const code = safeString()
  .min(1, 'must not be empty')
  .max(100, 'must be at most 100 characters')
  .regex(/^\S(.*\S)?$/, 'must not start or end with spaces');

export const name = safeString().trim().min(1, 'must not be empty').max(255, 'must be at most 255 characters');

export const text = (max = 255) => safeString().max(max, `must be at most ${max} characters`);

/** The caller's own identifier for a record, unique per entity: the upsert key where no code exists. */
export const externalKey = text(255).min(1, 'must not be empty');

/** ISO 3166-1 alpha-2, capitals only (the library also accepts lower case and alpha-3). */
export function isCountryCode(value: string): boolean {
  return /^[A-Z]{2}$/.test(value) && countries.isValid(value);
}

/**
 * Codes people use that ISO 3166-1 reserves for another meaning: the UK's code is GB, and EL is
 * the European Union's code for Greece, whose ISO code is GR.
 */
const COUNTRY_ALIASES: Record<string, string> = { UK: 'GB', EL: 'GR' };

/** The code a country written as a code in any case, an alpha-3 code, an alias or its English name stands for. */
function knownCountryCode(value: string): string | undefined {
  const upper = value.trim().toUpperCase();
  return COUNTRY_ALIASES[upper] ??
    (/^[A-Z]{2}$/.test(upper) && countries.isValid(upper) ? upper : undefined) ??
    (/^[A-Z]{3}$/.test(upper) && countries.isValid(upper) ? countries.alpha3ToAlpha2(upper) : undefined) ??
    (value.length > 3 ? countries.getAlpha2Code(value.trim(), 'en') : undefined);
}

/**
 * The ISO 3166-1 alpha-2 code a country is written as elsewhere (a code in any case, an alpha-3
 * code, a common alias, or the English name: "United States", "deu", "UK"); undefined when none.
 */
export function countryCodeOf(value: unknown): string | undefined {
  if (typeof value !== 'string' || value.trim() === '') return undefined;
  return knownCountryCode(value) ?? (/^(USA|U\.S\.A?\.?|UNITED STATES OF AMERICA)$/.test(value.trim().toUpperCase()) ? 'US' : undefined);
}

/** What is wrong with a country code, with the code that was probably meant. */
export function countryCodeProblem(value: string): string | undefined {
  if (isCountryCode(value)) return undefined;
  const shown = JSON.stringify(value);
  const suggestion = knownCountryCode(value);
  if (suggestion !== undefined) {
    return `${shown} is not an ISO 3166-1 alpha-2 country code; use "${suggestion}" (${countries.getName(suggestion, 'en') ?? suggestion})`;
  }
  return `${shown} is not an ISO 3166-1 alpha-2 country code: use two capital letters such as "GB", "US" or "DE"`;
}

export const countryCode = z.string().superRefine((value, context) => {
  const problem = countryCodeProblem(value);
  if (problem !== undefined) context.addIssue({ code: 'custom', message: problem, input: value });
});

export const customFields = z.record(
  z.string().regex(/^[A-Za-z][A-Za-z0-9_]{0,63}$/, 'custom field names start with a letter and use letters, digits and _'),
  z.union([safeString().max(1000), z.number(), z.boolean(), z.null()], {
    error: 'custom field values are strings, numbers, booleans or null',
  }),
);

export const address = z.strictObject({
  line1: text().optional(),
  line2: text().optional(),
  line3: text().optional(),
  line4: text().optional(),
  locality: text().optional(),
  region: text().optional(),
  postCode: text(32).optional(),
  country: countryCode.optional(),
});
