import { SparkIcon } from '../../app/icons';
import { Spinner } from '../../ui/Spinner';
import { useProjects } from './store';

/** "Open demo project": generating it takes a few seconds, so the button shows progress and locks. */
export function DemoButton({ primary = false }: { primary?: boolean }) {
  const busy = useProjects((s) => s.demoBusy);
  const createDemo = useProjects((s) => s.createDemo);
  return (
    <button
      type="button"
      className={`button${primary ? ' button-primary' : ''}`}
      onClick={() => void createDemo()}
      disabled={busy}
      aria-busy={busy || undefined}
      data-testid="btn-demo"
      title="Generate a small credit-risk project with data and a training script"
    >
      {busy ? <Spinner /> : <SparkIcon />}
      {busy ? 'Creating demo…' : 'Open demo project'}
    </button>
  );
}
