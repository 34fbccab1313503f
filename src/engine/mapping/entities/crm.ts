// Building blocks of the default reading rules (what Ferry takes from a Salesforce CRM): streets
// split into address lines, countries as ISO codes, phones, and e-mail domains from a website.
import type { z } from 'zod';
import type { ruleInput } from '../rules.ts';

type RuleInput = z.input<typeof ruleInput>;

/** The line of a multi-line Salesforce street (0-based); the fourth line takes what is left. */
const lineOf = (index: number) =>
  index < 3 ? `$value ? $split($value, /\\r?\\n/)[${index}]` : '$value ? ($rest := $split($value, /\\r?\\n/)[[3..99]]; $count($rest) > 0 ? $join($rest, \', \'))';

/** A Salesforce compound address (`Billing`, `Shipping`, `Mailing`, `Other`) read into a Ferry address field. */
export function addressFrom(ferry: string, prefix: string): RuleInput[] {
  return [
    ...[0, 1, 2, 3].map((i): RuleInput => ({ ferry: `${ferry}.line${i + 1}`, salesforce: `${prefix}Street`, direction: 'to_ferry', transform: lineOf(i) })),
    { ferry: `${ferry}.locality`, salesforce: `${prefix}City`, direction: 'to_ferry' },
    { ferry: `${ferry}.region`, salesforce: `${prefix}State`, direction: 'to_ferry' },
    { ferry: `${ferry}.postCode`, salesforce: `${prefix}PostalCode`, direction: 'to_ferry' },
    { ferry: `${ferry}.country`, salesforce: `${prefix}Country`, direction: 'to_ferry', transform: '$countryCode($value)' },
  ];
}

/** A list of typed phones from several Salesforce fields (read on the first: the rule names one field). */
export function phonesFrom(fields: [type: string, salesforce: string][]): RuleInput {
  const items = fields.map(([type, field]) => `${field} ? {"type": "${type}", "number": $string(${field})}`).join(', ');
  return { ferry: 'phones', salesforce: fields[0]![1], direction: 'to_ferry', transform: `($p := [${items}]; $count($p) > 0 ? $p)` };
}

/** The domain of a website ("https://www.Acme.com/about" is "acme.com"), as a one-item list. */
export const DOMAIN_OF_WEBSITE =
  "$value ? ($d := $substringBefore($substringBefore($substringBefore($replace($lowercase($trim($value)), /^[a-z][a-z0-9+.-]*:\\/\\//, ''), '/'), '?'), ':'); $d := $replace($d, /^www\\./, ''); $contains($d, '.') ? [$d])";
