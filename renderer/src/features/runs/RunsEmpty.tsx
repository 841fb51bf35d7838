import { PlusIcon, SparkIcon } from '../../app/icons';
import { CodeBlock } from '../../ui/CopyButton';
import { EmptyState } from '../../ui/EmptyState';
import { Spinner } from '../../ui/Spinner';
import { useProjects } from '../projects';
import { TerminalIcon } from './icons';

const pyString = (s: string) => JSON.stringify(s);

/** No runs in this experiment yet: the three ways to get some. */
export function RunsEmpty({
  experimentName,
  trackingUri,
  onNewRun,
  onDemo,
}: {
  experimentName: string;
  trackingUri: string | null | undefined;
  onNewRun: () => void;
  onDemo: () => void;
}) {
  const demoBusy = useProjects((s) => s.demoBusy);
  const uri = trackingUri ?? '<tracking URI>';
  const python = [
    'import mlflow',
    '',
    ...(experimentName && experimentName !== 'Default' ? [`mlflow.set_experiment(${pyString(experimentName)})`] : []),
    'with mlflow.start_run():',
    '    mlflow.log_param("lr", 0.05)',
    '    for step in range(100):',
    '        mlflow.log_metric("loss", 1 / (step + 1), step=step)',
  ].join('\n');
  return (
    <EmptyState icon={TerminalIcon} title={`No runs in ${experimentName ? `“${experimentName}”` : 'this experiment'} yet`} testId="runs-empty" className="runs-empty">
      <p className="empty-text">
        mldesk is an MLflow tracking server. Anything that logs to MLflow shows up here live: parameters, metrics, artifacts and datasets.
      </p>
      <ol className="runs-empty-steps">
        <li>
          <h3>Point MLflow at mldesk</h3>
          {trackingUri === null ? (
            <p className="muted small">This host does not expose a tracking server; start mldesk with `mldesk serve` to log from scripts.</p>
          ) : (
            <CodeBlock code={`export MLFLOW_TRACKING_URI=${uri}`} label="Tracking URI export" />
          )}
        </li>
        <li>
          <h3>Log from Python</h3>
          <CodeBlock code={python} label="Python snippet" />
        </li>
        <li>
          <h3>…or let mldesk run your script</h3>
          <CodeBlock code={`mldesk run -- python train.py`} label="mldesk run command" />
        </li>
      </ol>
      <div className="button-row center">
        <button type="button" className="button button-primary" onClick={onNewRun} data-testid="btn-new-run-empty">
          <PlusIcon />
          New run
        </button>
        <button type="button" className="button" onClick={onDemo} disabled={demoBusy} aria-busy={demoBusy || undefined} data-testid="btn-runs-demo">
          {demoBusy ? <Spinner /> : <SparkIcon />}
          {demoBusy ? 'Creating demo…' : 'Open demo project'}
        </button>
      </div>
    </EmptyState>
  );
}
