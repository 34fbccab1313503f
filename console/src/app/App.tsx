import { Center, Loader } from '@mantine/core';
import { Navigate, Route, Routes, useLocation } from 'react-router';
import { ApiKeysPage } from '../pages/ApiKeysPage.tsx';
import { ConfigurationsPage } from '../pages/ConfigurationsPage.tsx';
import { CredentialsPage } from '../pages/CredentialsPage.tsx';
import { EventsPage } from '../pages/EventsPage.tsx';
import { ExternalMappingsPage } from '../pages/ExternalMappingsPage.tsx';
import { IntegrationDetailsPage } from '../pages/IntegrationDetailsPage.tsx';
import { IntegrationFormPage } from '../pages/IntegrationFormPage.tsx';
import { OverviewPage } from '../pages/OverviewPage.tsx';
import { RequestLogsPage } from '../pages/RequestLogsPage.tsx';
import { RunPage } from '../pages/RunPage.tsx';
import { RunsPage } from '../pages/RunsPage.tsx';
import { SignInPage } from '../pages/SignInPage.tsx';
import { TwoWaySyncPage } from '../pages/TwoWaySyncPage.tsx';
import { Layout } from './Layout.tsx';
import { useSession, useSessionWatch } from './session.ts';

export function App() {
  useSessionWatch();
  const session = useSession();
  const location = useLocation();
  if (session.isPending) {
    return (
      <Center h="100vh">
        <Loader aria-label="Loading" />
      </Center>
    );
  }
  if (location.pathname === '/sign-in') return <SignInPage />;
  if (!session.data) return <Navigate to={`/sign-in?next=${encodeURIComponent(location.pathname + location.search)}`} replace />;
  return (
    <Layout session={session.data}>
      <Routes>
        <Route path="/" element={<OverviewPage />} />
        <Route path="/integrations" element={<ConfigurationsPage />} />
        <Route path="/integrations/new" element={<IntegrationFormPage />} />
        <Route path="/integrations/:id" element={<IntegrationDetailsPage />} />
        <Route path="/integrations/:id/edit" element={<IntegrationFormPage />} />
        <Route path="/credentials" element={<CredentialsPage />} />
        <Route path="/runs" element={<RunsPage />} />
        <Route path="/runs/:id" element={<RunPage />} />
        <Route path="/events" element={<EventsPage />} />
        <Route path="/request-logs" element={<RequestLogsPage />} />
        <Route path="/sync" element={<TwoWaySyncPage />} />
        <Route path="/external-mappings" element={<ExternalMappingsPage />} />
        <Route path="/api-keys" element={<ApiKeysPage />} />
        <Route path="*" element={<Navigate to="/" replace />} />
      </Routes>
    </Layout>
  );
}
