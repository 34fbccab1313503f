import { DEFINITIONS } from './entities/index.ts';
import { defaultRules } from './mapping.ts';
import type { Rule } from './rules.ts';

export const DOCS_START = '<!-- default-mappings:start (generated from src/engine/mapping/entities by `npm run docs:mappings`; do not edit by hand) -->';
export const DOCS_END = '<!-- default-mappings:end -->';

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, '\\n');
/** Inline code; one that holds a backtick (a JSONata name such as `Opportunity.CloseDate`) is fenced by two. */
const code = (text: string) => (text.includes('`') ? `\`\` ${cell(text)} \`\`` : `\`${cell(text)}\``);

function source(rule: Rule): string {
  switch (rule.kind) {
    case 'field':
      return rule.transform === undefined ? `\`${rule.ferry}\`` : rule.direction === 'to_ferry' ? `\`${rule.ferry}\` = ${code(rule.transform)}` : code(rule.transform);
    case 'lookup':
      return `\`${rule.ferry}\` → the ${rule.target.replace(/s$/, '')}'s Salesforce record${rule.required ? ' (required)' : ' (optional: empty until it is there)'}`;
    case 'contact_point':
      return `contact point \`${rule.point}\` (contact type ${rule.contactType === '*' ? 'any' : rule.contactType})`;
  }
}

/** The default mappings as Markdown tables, one per entity type: what docs/salesforce.md shows. */
export function defaultMappingTables(): string {
  const out: string[] = [];
  for (const definition of Object.values(DEFINITIONS)) {
    const rules = defaultRules(definition.entityType);
    const objects = definition.objects.flatMap((o) => [o.object, ...(o.children !== undefined ? [o.children.object] : [])]);
    out.push(`### ${definition.entityType} integrations → ${objects.join(', ')}`, '');
    for (const o of definition.objects) {
      if (o.children !== undefined) out.push(`\`${o.children.path}\` go as ${o.children.object} children of ${o.object}, each with Ferry_Id__c \`${o.children.keyDescription ?? `<${o.entity.replace(/s$/, '')} id>:<position>`}\`.`, '');
    }
    if (definition.docsNote !== undefined) out.push(definition.docsNote, '');
    else if (rules.length > 0) out.push(...table(rules), '');
    else out.push(`${definition.entityType} integrations only read from Salesforce (\`sync.direction\` \`from_salesforce\`).`, '');
    if (definition.reading === undefined) continue;
    if (rules.length === 0) {
      out.push(`Their default mapping: the line items of closed-won opportunities, read with their opportunity's and product's fields (\`Opportunity.CloseDate\`); \`$revenueScheduling\` (the org schedules revenue), \`$valueMetric\` and \`$currency\` (\`sync.deals\`) are bound:`, '', ...table(defaultRules(definition.entityType, 'from_salesforce')), '');
      continue;
    }
    out.push(
      `Reading from Salesforce (\`sync.direction\` \`from_salesforce\`), the default mapping of ${definition.entityType} integrations is the CRM import's table (a transform reads the Salesforce record; \`$value\` is the field's value):`, '',
      ...table(defaultRules(definition.entityType, 'from_salesforce')), '',
      `Two ways (\`sync.direction\` \`both\`): a value both sides copy as it is goes both ways in one rule; what only one side's table has goes that way only; a field sent from another Ferry value is not read back.`, '',
      ...table(defaultRules(definition.entityType, 'both')), '',
    );
  }
  return out.join('\n');
}

function table(rules: Rule[]): string[] {
  return [
    '| Salesforce object | Salesforce field | Ferry value | kind | direction |', '|---|---|---|---|---|',
    ...rules.map((rule) => `| ${rule.object} | ${rule.salesforce} | ${source(rule)} | ${rule.kind}${rule.kind === 'field' && rule.transform !== undefined ? ' (JSONata)' : ''} | ${rule.direction} |`),
  ];
}

/** Replaces the generated part of a document; the document must hold both markers. */
export function withDefaultMappingTables(document: string): string {
  const start = document.indexOf(DOCS_START);
  const end = document.indexOf(DOCS_END);
  if (start < 0 || end < start) throw new Error('The document lacks the default-mappings markers.');
  return `${document.slice(0, start + DOCS_START.length)}\n\n${defaultMappingTables()}\n${document.slice(end)}`;
}
