import type { ProjectSummary } from '../../../../shared/contract';
import { toast } from '../../app/toasts';
import { ConfirmDialog } from '../../ui/ConfirmDialog';
import { useProjects } from './store';

export function RemoveProjectDialog({ project, onClose }: { project: ProjectSummary; onClose: () => void }) {
  const remove = useProjects((s) => s.remove);
  return (
    <ConfirmDialog
      title="Remove project from list?"
      confirmLabel="Remove from list"
      busyLabel="Removing…"
      danger
      onClose={onClose}
      onConfirm={async () => {
        await remove(project.id);
        toast.info(`“${project.name}” removed from the list. Its files were not deleted.`);
      }}
    >
      <p>
        <strong>{project.name}</strong> will no longer appear in mldesk.
      </p>
      <p className="callout">
        Files are <strong>NOT deleted</strong>: the folder <code className="mono">{project.path}</code> stays on disk exactly as it is, and
        you can open it again at any time.
      </p>
    </ConfirmDialog>
  );
}
