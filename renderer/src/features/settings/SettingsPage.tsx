import { useEffect, useState, type ReactNode } from 'react';
import type { AppInfo } from '../../../../shared/contract';
import { api, hostKind } from '../../api/client';
import { useReadyWhen } from '../../app/ready';
import { formatShortcut } from '../../app/shortcuts';
import { sections } from '../../app/sections';
import { useTheme, type ThemeMode } from '../../app/theme';
import { toast } from '../../app/toasts';
import { asMldeskError } from '../../lib/errors';
import type { MldeskError } from '../../api/client';
import { copyText } from '../../ui/CopyButton';
import { Spinner } from '../../ui/Spinner';
import { TargetsSection } from '../targets';

type InfoState = { status: 'loading' } | { status: 'ready'; info: AppInfo } | { status: 'error'; error: MldeskError };

function CopyButton({ text, label }: { text: string; label: string }) {
  return (
    <button
      type="button"
      className="link-button"
      onClick={() => copyText(text, label)}
      aria-label={`Copy ${label}`}
    >
      Copy
    </button>
  );
}

function Row({ label, children, testId }: { label: string; children: ReactNode; testId?: string }) {
  return (
    <>
      <dt>{label}</dt>
      <dd data-testid={testId}>{children}</dd>
    </>
  );
}

function ThemePicker() {
  const mode = useTheme((s) => s.mode);
  const setMode = useTheme((s) => s.setMode);
  const options: readonly ThemeMode[] = ['system', 'light', 'dark'];
  return (
    <div className="segmented" role="radiogroup" aria-label="Theme">
      {options.map((o) => (
        <button key={o} type="button" role="radio" aria-checked={mode === o} className={mode === o ? 'active' : undefined} onClick={() => setMode(o)}>
          {o[0]?.toUpperCase()}
          {o.slice(1)}
        </button>
      ))}
    </div>
  );
}

export default function SettingsPage() {
  const [state, setState] = useState<InfoState>({ status: 'loading' });
  useReadyWhen(state.status !== 'loading');

  useEffect(() => {
    let alive = true;
    api.app.info().then(
      (info) => alive && setState({ status: 'ready', info }),
      (e: unknown) => {
        if (!alive) return;
        const error = asMldeskError(e);
        setState({ status: 'error', error });
        toast.error(error, 'Could not read app info');
      },
    );
    return () => {
      alive = false;
    };
  }, []);

  return (
    <div className="page">
      <header className="page-header">
        <h1 className="page-title">Settings</h1>
      </header>
      <div className="page-body settings">
        <section className="card" aria-labelledby="about-title">
          <h2 id="about-title" className="card-title">
            About
          </h2>
          {state.status === 'loading' ? (
            <Spinner label="Loading app info" />
          ) : state.status === 'error' ? (
            <p className="field-error" role="alert">
              <code className="error-code">{state.error.code}</code> {state.error.message}
            </p>
          ) : (
            <dl className="kv" data-testid="app-info">
              <Row label="Version" testId="info-version">
                <span className="mono">{state.info.version}</span>
              </Row>
              <Row label="Host" testId="info-host">
                {state.info.host === 'electron' ? 'Desktop app (Electron)' : 'Web (mldesk serve)'}
                <span className="muted"> · {state.info.platform}</span>
              </Row>
              <Row label="Data directory" testId="info-data-dir">
                <span className="mono selectable">{state.info.dataDir}</span> <CopyButton text={state.info.dataDir} label="Data directory" />
              </Row>
              <Row label="Tracking URI" testId="info-tracking-uri">
                {state.info.trackingUri ? (
                  <>
                    <span className="mono selectable">{state.info.trackingUri}</span> <CopyButton text={state.info.trackingUri} label="Tracking URI" />
                  </>
                ) : (
                  <span className="muted">not available in this host</span>
                )}
              </Row>
              <Row label="Schema version" testId="info-schema-version">
                <span className="mono">{state.info.schemaVersion}</span>
              </Row>
            </dl>
          )}
        </section>

        <TargetsSection />

        <section className="card" aria-labelledby="appearance-title">
          <h2 id="appearance-title" className="card-title">
            Appearance
          </h2>
          <div className="setting-row">
            <span>Theme</span>
            <ThemePicker />
          </div>
        </section>

        <section className="card" aria-labelledby="keys-title">
          <h2 id="keys-title" className="card-title">
            Keyboard
          </h2>
          <ul className="plain-list">
            {sections
              .filter((s) => s.shortcut)
              .map((s) => (
                <li key={s.id} className="setting-row">
                  <span>Go to {s.label}</span>
                  <kbd>{formatShortcut(s.shortcut ?? '')}</kbd>
                </li>
              ))}
            <li className="setting-row">
              <span>All shortcuts</span>
              <kbd>?</kbd>
            </li>
          </ul>
          <p className="muted small">Running in {hostKind === 'electron' ? 'the desktop app' : 'a browser'}.</p>
        </section>
      </div>
    </div>
  );
}
