import { useCallback, useEffect, useMemo, useState } from 'react';
import type { LaunchedRun } from '../../../../shared/contract';
import { usePanelCollapsed } from '../../app/panels';
import { useReadyWhen } from '../../app/ready';
import { navigate, setQuery, useQueryParam } from '../../app/router';
import { toast } from '../../app/toasts';
import { isModalOpen } from '../../ui/modalStack';
import { Spinner } from '../../ui/Spinner';
import { useProjects } from '../projects';
import { useTrackingUri } from './appInfo';
import { useRunDetail } from './detailStore';
import { ExperimentsList } from './ExperimentsList';
import { NewExperimentDialog } from './NewExperimentDialog';
import { NewRunDialog, type NewRunDefaults } from './NewRunDialog';
import { RunDetail } from './RunDetail';
import { isTyping, RunsView } from './RunsView';
import { experimentsKey, useExperiments, useExperimentsSync, useRuns, useRunsLive } from './store';
import { parseExperimentIds } from './tableLogic';

type DialogState = { kind: 'experiment' } | { kind: 'run'; defaults: NewRunDefaults } | null;

export default function RunsPage() {
  useExperimentsSync();
  const trackingUri = useTrackingUri();
  const experiments = useExperiments((s) => s.experiments);
  const loaded = useExperiments((s) => s.loaded);
  const expError = useExperiments((s) => s.error);
  const expParam = useQueryParam('exp');
  const runParam = useQueryParam('run');
  // `exp=1,3`: several experiments in one table.
  const experimentIds = useMemo(() => parseExperimentIds(expParam), [expParam]);
  const expKey = experimentIds.length > 0 ? experimentsKey(experimentIds) : null;
  const [dialog, setDialog] = useState<DialogState>(null);
  const expCollapsed = usePanelCollapsed('experiments');
  useReadyWhen(loaded && (experiments.length === 0 || expError !== null));
  // Live table updates stay on while a run is open, so coming back needs no reload…
  useRunsLive(expKey);
  // …but after leaving the section the cached rows may be stale: refetch on the next visit.
  useEffect(() => () => useRuns.getState().invalidate(), []);

  // A run link without its experiment: fill it in once the run is known (selects it in the list).
  const runExperiment = useRunDetail((s) => (runParam && s.runId === runParam ? s.run?.info.experiment_id : undefined));
  useEffect(() => {
    if (!expKey && runExperiment !== undefined) setQuery({ exp: runExperiment });
  }, [expKey, runExperiment]);

  // No experiment in the URL: pick the most recently active one.
  const first = experiments[0]?.experiment_id;
  useEffect(() => {
    if (!expKey && !runParam && first !== undefined) setQuery({ exp: first });
  }, [expKey, runParam, first]);

  const current = experiments.find((e) => e.experiment_id === experimentIds[0]);
  // Names keyed by a string so live reloads of the list (new counts) keep the map (and the table's columns) as they are.
  const namesKey = experiments.map((e) => `${e.experiment_id}\u0000${e.name}`).join('\u0001');
  const experimentNames = useMemo(() => new Map(namesKey ? namesKey.split('\u0001').map((p) => p.split('\u0000') as [string, string]) : []), [namesKey]);
  const selected = experiments.filter((e) => experimentIds.includes(e.experiment_id));
  const title =
    experimentIds.length > 1
      ? experimentIds.map((id) => experimentNames.get(id) ?? `#${id}`).join(' + ')
      : (current?.name ?? (experimentIds[0] !== undefined ? `Experiment ${experimentIds[0]}` : ''));
  const running = selected.reduce((n, e) => n + e.running_count, 0);
  const runCount = selected.length === experimentIds.length ? selected.reduce((n, e) => n + e.run_count, 0) : undefined;

  const closeRun = useCallback(() => setQuery({ run: null, tab: null }, { replace: false }), []);

  // Esc closes the run detail (dialogs handle their own Escape first).
  useEffect(() => {
    if (!runParam) return;
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== 'Escape' || e.defaultPrevented || isModalOpen()) return;
      if (isTyping(e.target)) {
        (e.target as HTMLElement).blur();
        return;
      }
      e.preventDefault();
      closeRun();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [runParam, closeRun]);

  const selectExperiment = (id: string) => navigate('/runs', { exp: id });
  /** Ctrl/Cmd+click: add or remove an experiment, keeping filter, sort and grouping. */
  const toggleExperiment = (id: string) => {
    const next = experimentIds.includes(id) ? experimentIds.filter((x) => x !== id) : [...experimentIds, id];
    if (next.length === 0) return;
    setQuery({ exp: next.join(','), sel: null, run: null, tab: null }, { replace: false });
  };
  const openNewRun = (defaults: NewRunDefaults = {}) => setDialog({ kind: 'run', defaults: { experimentName: current?.name, ...defaults } });
  const onLaunched = (run: LaunchedRun) => {
    setDialog(null);
    toast.success(`Started run ${run.runId.slice(0, 8)}${run.pid > 0 ? ` (pid ${run.pid})` : ''}`);
    void useExperiments.getState().load();
    navigate('/runs', { exp: run.experimentId, run: run.runId });
  };
  const onDemo = async () => {
    const p = await useProjects.getState().createDemo();
    if (p) openNewRun({ projectId: p.id, command: 'node train.mjs', experimentName: current && current.name !== 'Default' ? current.name : 'credit-risk' });
  };

  return (
    <div className={`runs-page${expCollapsed ? ' exp-collapsed' : ''}`}>
      <ExperimentsList selectedIds={experimentIds} onSelect={selectExperiment} onToggle={toggleExperiment} onNew={() => setDialog({ kind: 'experiment' })} trackingUri={trackingUri} />
      {runParam ? (
        <RunDetail key={runParam} runId={runParam} onClose={closeRun} />
      ) : experimentIds.length > 0 ? (
        <RunsView
          experimentIds={experimentIds}
          title={title}
          experimentNames={experimentNames}
          running={running}
          runCount={runCount}
          onNewRun={() => openNewRun()}
          onDemo={() => void onDemo()}
          trackingUri={trackingUri}
        />
      ) : (
        <div className="runs-main">
          <div className="page-loading">{loaded ? <span className="muted">Select an experiment</span> : <Spinner label="Loading experiments" size={16} />}</div>
        </div>
      )}
      {dialog?.kind === 'experiment' ? (
        <NewExperimentDialog
          onClose={() => setDialog(null)}
          onDone={(id, name) => {
            setDialog(null);
            toast.success(`Created experiment “${name}”`);
            selectExperiment(id);
          }}
        />
      ) : null}
      {dialog?.kind === 'run' ? <NewRunDialog defaults={dialog.defaults} onClose={() => setDialog(null)} onDone={onLaunched} /> : null}
    </div>
  );
}
