import { useSearchParams } from 'react-router';
import type { Schemas } from '../api/client.ts';
import { EventsTable } from '../components/EventsTable.tsx';
import { PageTitle } from '../components/PageTitle.tsx';

const SEVERITIES = new Set(['error', 'warning', 'info']);

/** Events; `?severity=error&actioned=false&name=...&integrationId=...` opens it filtered (links from the overview). */
export function EventsPage() {
  const [params] = useSearchParams();
  const severity = params.get('severity');
  const actioned = params.get('actioned');
  const name = params.get('name');
  const integrationId = params.get('integrationId');
  return (
    <>
      <PageTitle title="Events" />
      <EventsTable
        initialFilters={{
          ...(severity !== null && SEVERITIES.has(severity) ? { severity: severity as Schemas['Event']['severity'] } : {}),
          ...(actioned === 'true' || actioned === 'false' ? { actioned: actioned === 'true' } : {}),
          ...(name !== null && name.startsWith('integration.') ? { name: name as Schemas['Event']['name'] } : {}),
          ...(integrationId !== null ? { integrationId } : {}),
        }}
      />
    </>
  );
}
