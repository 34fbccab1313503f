import { PageTitle } from '../components/PageTitle.tsx';
import { RunsTable } from '../components/RunsTable.tsx';

export function RunsPage() {
  return (
    <>
      <PageTitle title="Runs" />
      <RunsTable />
    </>
  );
}
