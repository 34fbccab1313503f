import { Center, Loader } from '@mantine/core';
import { lazy, Suspense } from 'react';
import { Navigate, Route, Routes, useLocation } from 'react-router';
import { SignInPage } from '../pages/SignInPage.tsx';
import { Layout } from './Layout.tsx';
import { useSession, useSessionWatch } from './session.ts';

// Each page is its own chunk, loaded when first opened: the charts' library loads with the
// Overview only, and sign-in needs none of them.
const ApiKeysPage = lazy(async () => ({ default: (await import('../pages/ApiKeysPage.tsx')).ApiKeysPage }));
const ConfigurationsPage = lazy(async () => ({ default: (await import('../pages/ConfigurationsPage.tsx')).ConfigurationsPage }));
const CredentialsPage = lazy(async () => ({ default: (await import('../pages/CredentialsPage.tsx')).CredentialsPage }));
const EventsPage = lazy(async () => ({ default: (await import('../pages/EventsPage.tsx')).EventsPage }));
const ExternalMappingsPage = lazy(async () => ({ default: (await import('../pages/ExternalMappingsPage.tsx')).ExternalMappingsPage }));
const IntegrationDetailsPage = lazy(async () => ({ default: (await import('../pages/IntegrationDetailsPage.tsx')).IntegrationDetailsPage }));
const IntegrationFormPage = lazy(async () => ({ default: (await import('../pages/IntegrationFormPage.tsx')).IntegrationFormPage }));
const OverviewPage = lazy(async () => ({ default: (await import('../pages/OverviewPage.tsx')).OverviewPage }));
const ReconciliationPage = lazy(async () => ({ default: (await import('../pages/ReconciliationPage.tsx')).ReconciliationPage }));
const RequestLogsPage = lazy(async () => ({ default: (await import('../pages/RequestLogsPage.tsx')).RequestLogsPage }));
const RunPage = lazy(async () => ({ default: (await import('../pages/RunPage.tsx')).RunPage }));
const RunsPage = lazy(async () => ({ default: (await import('../pages/RunsPage.tsx')).RunsPage }));
const TwoWaySyncPage = lazy(async () => ({ default: (await import('../pages/TwoWaySyncPage.tsx')).TwoWaySyncPage }));

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
      <Suspense fallback={<Loader aria-label="Loading the page" />}>
        <Routes>
          <Route path="/" element={<OverviewPage />} />
          <Route path="/integrations" element={<ConfigurationsPage />} />
          <Route path="/integrations/new" element={<IntegrationFormPage />} />
          <Route path="/integrations/:id" element={<IntegrationDetailsPage />} />
          <Route path="/integrations/:id/edit" element={<IntegrationFormPage />} />
          <Route path="/integrations/:id/reconciliation" element={<ReconciliationPage />} />
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
      </Suspense>
    </Layout>
  );
}
