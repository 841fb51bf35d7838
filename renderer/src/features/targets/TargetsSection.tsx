import { useCallback, useEffect, useRef, useState } from 'react';
import type { Target, TargetTest } from '../../../../shared/contract/targets';
import { api } from '../../api/client';
import { PlusIcon, TrashIcon } from '../../app/icons';
import { useQueryParam } from '../../app/router';
import { toast } from '../../app/toasts';
import { asMldeskError } from '../../lib/errors';
import { ConfirmDialog } from '../../ui/ConfirmDialog';
import { Spinner } from '../../ui/Spinner';
import { AddTargetDialog } from './AddTargetDialog';
import { endpointLine, lastTestSummary } from './format';
import { TargetKindBadge } from './KindBadge';
import { TestResult } from './TestResult';
import './targets.css';

/** Settings → Targets: the targets with their last test, Add target, Test connection, Remove (with a confirm). */
export function TargetsSection() {
  const [targets, setTargets] = useState<Target[] | null>(null);
  const [error, setError] = useState<{ code: string; message: string } | null>(null);
  const [adding, setAdding] = useState(false);
  const [removing, setRemoving] = useState<Target | null>(null);
  const [testing, setTesting] = useState<string | null>(null);
  const [shown, setShown] = useState<{ name: string; test: TargetTest } | null>(null);
  const section = useQueryParam('section');
  const ref = useRef<HTMLElement>(null);

  const load = useCallback(async () => {
    try {
      setTargets(await api.targets.list({}));
      setError(null);
    } catch (e) {
      const err = asMldeskError(e);
      setError({ code: err.code, message: err.message });
    }
  }, []);
  useEffect(() => {
    void load();
  }, [load]);
  // Linked from the deploy wizard (Settings?section=targets): bring the section into view.
  useEffect(() => {
    if (section === 'targets' && targets) ref.current?.scrollIntoView({ block: 'start' });
  }, [section, targets]);

  const test = async (name: string) => {
    setTesting(name);
    try {
      const t = await api.targets.test({ name });
      setShown({ name, test: t });
      await load();
    } catch (e) {
      toast.error(asMldeskError(e), `Could not test ${name}`);
    } finally {
      setTesting(null);
    }
  };

  const added = targets?.filter((t) => !t.builtin) ?? [];
  return (
    <section ref={ref} className="card targets-section" aria-labelledby="targets-title" data-testid="targets-section">
      <div className="setting-row">
        <h2 id="targets-title" className="card-title">
          Targets
        </h2>
        <button type="button" className="button button-primary" onClick={() => setAdding(true)} data-testid="add-target">
          <PlusIcon />
          Add target
        </button>
      </div>
      {error ? (
        <p className="field-error" role="alert">
          <code className="error-code">{error.code}</code> {error.message}
        </p>
      ) : targets === null ? (
        <Spinner label="Loading targets" />
      ) : (
        <>
          {added.length === 0 ? (
            <p className="muted small" data-testid="targets-empty">
              A target is where deployments and training runs go. This machine’s Docker engine is always one; add a remote Docker engine (over TLS or SSH), a Docker Swarm manager or a
              Kubernetes context to deploy to your team’s machines. Their keys are stored encrypted, never in plain text.
            </p>
          ) : null}
          <div className="table-wrap">
            <table className="data-table targets-table" data-testid="targets-table">
              <thead>
                <tr>
                  <th>Name</th>
                  <th>Endpoint</th>
                  <th>Last test</th>
                  <th className="col-actions">
                    <span className="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {targets.map((t) => {
                  const last = lastTestSummary(t.lastTest);
                  return (
                    <tr key={t.name} data-testid="target-row" data-target={t.name}>
                      <td>
                        <span className="mono">{t.name}</span>
                        <TargetKindBadge kind={t.kind} builtin={t.builtin} />
                      </td>
                      <td className="mono" title={endpointLine(t)}>
                        {endpointLine(t)}
                      </td>
                      <td>
                        <span className={`badge badge-${last.tone}`} data-testid="target-last-test">
                          {last.text}
                        </span>
                      </td>
                      <td className="col-actions">
                        <div className="button-row">
                          <button type="button" className="button" onClick={() => void test(t.name)} disabled={testing !== null} data-testid="target-test">
                            {testing === t.name ? <Spinner /> : null}
                            Test connection
                          </button>
                          {t.builtin ? null : (
                            <button type="button" className="icon-button" aria-label={`Remove ${t.name}`} onClick={() => setRemoving(t)} data-testid="target-remove">
                              <TrashIcon />
                            </button>
                          )}
                        </div>
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
          {shown ? (
            <div data-testid="target-tested" data-target={shown.name}>
              <p className="small">
                <strong>{shown.name}</strong>
              </p>
              <TestResult test={shown.test} />
            </div>
          ) : null}
        </>
      )}
      {adding ? (
        <AddTargetDialog
          onClose={() => setAdding(false)}
          onAdded={(t) => {
            toast.success(`Added target ${t.name}`);
            void load();
          }}
        />
      ) : null}
      {removing ? (
        <ConfirmDialog
          title={`Remove target ${removing.name}?`}
          confirmLabel="Remove"
          busyLabel="Removing…"
          danger
          onClose={() => setRemoving(null)}
          onConfirm={async () => {
            await api.targets.remove({ name: removing.name });
            if (shown?.name === removing.name) setShown(null);
            await load();
          }}
        >
          <p>Its stored keys are deleted. Deployments on it must be removed first.</p>
        </ConfirmDialog>
      ) : null}
    </section>
  );
}
