import { Suspense, useEffect } from 'react';
import { subscribe } from '../api/client';
import { useModalStack } from '../ui/modalStack';
import { Spinner } from '../ui/Spinner';
import { useAlertFeed } from '../features/monitor/store';
import { ErrorBoundary } from './ErrorBoundary';
import { useHostNavigation } from './hostNavigation';
import { NotFound } from './NotFound';
import { usePanelCollapsed, usePanelsWidthSync } from './panels';
import { useRouteSection } from './router';
import { findSection } from './sections';
import { ShortcutsHelp } from './ShortcutsHelp';
import { useGlobalShortcuts } from './shortcuts';
import { Sidebar } from './Sidebar';
import { Toaster } from './Toaster';
import { useToasts } from './toasts';

/** Engine notices (`app.notice`) become toasts. */
function useNotices(): void {
  useEffect(
    () =>
      subscribe('app.notice', ({ level, message }) => {
        useToasts.getState().push({ level, message });
      }),
    [],
  );
}

function CurrentSection() {
  const id = useRouteSection();
  const section = findSection(id);
  useEffect(() => {
    document.title = section ? `${section.label} · mldesk` : 'mldesk';
  }, [section]);
  if (!section) return <NotFound />;
  const Page = section.component;
  return (
    // Keyed by section: navigating away from a crashed view resets the boundary.
    <ErrorBoundary key={section.id} label={section.label}>
      <Suspense
        fallback={
          <div className="page page-loading">
            <Spinner label={`Loading ${section.label}`} size={16} />
          </div>
        }
      >
        <Page />
      </Suspense>
    </ErrorBoundary>
  );
}

export function App() {
  useGlobalShortcuts();
  useNotices();
  useAlertFeed();
  useHostNavigation();
  usePanelsWidthSync();
  const modalOpen = useModalStack((s) => s.depth > 0);
  const sidebarCollapsed = usePanelCollapsed('sidebar');
  return (
    <>
      <div className={`app-shell${sidebarCollapsed ? ' sidebar-collapsed' : ''}`} inert={modalOpen}>
        <Sidebar />
        <main className="app-main" id="main">
          <CurrentSection />
        </main>
      </div>
      <ShortcutsHelp />
      <Toaster />
    </>
  );
}

