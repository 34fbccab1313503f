import { useQuery } from '@tanstack/react-query';
import { api, unwrap, type Schemas } from '../../api/client.ts';

export type Report = Schemas['ReconciliationReport'];
export type Item = Schemas['ReconciliationItem'];
export type Category = Item['category'];
export type Difference = Item['differences'][number];
export type Side = 'salesforce' | 'ferry' | 'source';

/** Everything read about one reconciliation: a run, an upload or a dismissal reads it all again. */
export const reconciliationKey = (id: string) => ['reconciliation', id] as const;

/** How often the latest report is read again while the page is open: a scheduled run may write a new one. */
const REPORT_REFRESH_MS = 10_000;

// Every category once, in the order the API lists them: a Record makes the compiler say when it gains one.
export const CATEGORY_TEXT: Record<Category, { label: string; description: string }> = {
  all_three: { label: 'On all three sides', description: 'An Account, a Ferry account and a customer of the billing tool' },
  salesforce_ferry: { label: 'Salesforce and Ferry', description: 'No customer of the billing tool' },
  salesforce_source: { label: 'Salesforce and billing tool', description: 'No Ferry account' },
  ferry_source: { label: 'Ferry and billing tool', description: 'No Salesforce Account' },
  salesforce_only: { label: 'Salesforce only', description: 'An Account nothing else names' },
  ferry_only: { label: 'Ferry only', description: 'A Ferry account with no Account and no customer' },
  source_only: { label: 'Billing tool only', description: 'A customer nothing else names' },
  duplicate: { label: 'Duplicates', description: 'A key several records of one side share' },
};
export const CATEGORIES = Object.keys(CATEGORY_TEXT) as Category[];

export function isCategory(value: string | null): value is Category {
  return value !== null && value in CATEGORY_TEXT;
}

export const SIDE_TEXT: Record<Side, string> = { salesforce: 'Salesforce', ferry: 'Ferry', source: 'billing tool' };

const percent = new Intl.NumberFormat(undefined, { style: 'percent', maximumFractionDigits: 1 });

/** A share from 0 to 1 as the console shows it: 0.5 is "50%". */
export function formatShare(share: number): string {
  return percent.format(share);
}

/** A file's size: its bytes, and a rounder figure past a kilobyte. */
export function formatBytes(bytes: number): string {
  const exact = `${bytes.toLocaleString()} bytes`;
  if (bytes < 1024) return exact;
  const [value, unit] = bytes < 1024 * 1024 ? [bytes / 1024, 'KB'] : [bytes / (1024 * 1024), 'MB'];
  return `${value.toFixed(1)} ${unit} (${exact})`;
}

/** The latest report's summary and the uploaded file. */
export function useReconciliation(id: string) {
  return useQuery({
    queryKey: [...reconciliationKey(id), 'status'],
    queryFn: async () => unwrap(await api.GET('/api/v1/integrations/{id}/reconciliation', { params: { path: { id } } })),
    refetchInterval: REPORT_REFRESH_MS,
  });
}

/** The matched share and counts of the last reports, oldest first. */
export function useTrend(id: string, runId: string, limit: number) {
  return useQuery({
    // The latest report's run in the key: a new report reads the trend again.
    queryKey: [...reconciliationKey(id), 'trend', runId, limit],
    queryFn: async () => unwrap(await api.GET('/api/v1/integrations/{id}/reconciliation/trend', { params: { path: { id }, query: { limit } } })).data,
  });
}

/** A page of a report's groups, of one category or all. */
export function useItems(id: string, runId: string, category: Category | null, after: number | null, limit: number) {
  return useQuery({
    queryKey: [...reconciliationKey(id), 'items', runId, category, after, limit],
    queryFn: async () =>
      unwrap(
        await api.GET('/api/v1/integrations/{id}/reconciliation/items', {
          params: { path: { id }, query: { runId, limit, ...(category === null ? {} : { category }), ...(after === null ? {} : { after }) } },
        }),
      ),
  });
}
