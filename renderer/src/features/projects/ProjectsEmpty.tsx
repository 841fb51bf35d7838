import { FolderIcon, PlusIcon } from '../../app/icons';
import { EmptyState } from '../../ui/EmptyState';
import { DemoButton } from './DemoButton';

export function ProjectsEmpty({ onNew, onOpen }: { onNew: () => void; onOpen: () => void }) {
  return (
    <EmptyState icon={FolderIcon} title="No projects yet" testId="projects-empty">
      <p className="empty-text">
        A <strong>project</strong> is an ordinary git folder with your code, training scripts and data. mldesk tracks the runs, dataset
        versions and models you produce from it; large data files stay out of git in a local cache, and any git tool can still read the
        folder.
      </p>
      <p className="empty-text muted">Try the demo to see a complete example, or start from a folder of your own.</p>
      <div className="button-row center">
        <DemoButton primary />
        <button type="button" className="button" onClick={onNew} data-testid="btn-new-project">
          <PlusIcon />
          New project
        </button>
        <button type="button" className="button" onClick={onOpen} data-testid="btn-open-folder">
          <FolderIcon />
          Open folder
        </button>
      </div>
    </EmptyState>
  );
}
