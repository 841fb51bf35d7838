// Dev only: the React Fast Refresh preamble as a module (the inline one Vite injects is blocked by our CSP).
// In production builds this virtual module is empty.
import '@vitejs/plugin-react/preamble';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { MldeskError } from './api/client';
import { App } from './app/App';
import { ErrorBoundary } from './app/ErrorBoundary';
import { startRouter } from './app/router';
import { defaultSection } from './app/sections';
import { initTheme } from './app/theme';
import { toast } from './app/toasts';
import './app/theme.css';

initTheme();
startRouter(defaultSection.path);

// An engine error nobody caught still reaches the user, with its code.
window.addEventListener('unhandledrejection', (e: PromiseRejectionEvent) => {
  if (e.reason instanceof MldeskError) {
    e.preventDefault();
    toast.error(e.reason);
  }
});

const rootEl = document.getElementById('root');
if (!rootEl) throw new Error('#root is missing from index.html');

createRoot(rootEl).render(
  <StrictMode>
    <ErrorBoundary>
      <App />
    </ErrorBoundary>
  </StrictMode>,
);
