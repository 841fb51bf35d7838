import { DatabaseIcon, PlusIcon } from '../../app/icons';
import { EmptyState } from '../../ui/EmptyState';

export function DatasetsEmpty({ projectPath, onAdd }: { projectPath: string; onAdd: () => void }) {
  return (
    <EmptyState icon={DatabaseIcon} title="No datasets yet" testId="datasets-empty">
      <p className="empty-text">
        A <strong>dataset</strong> is a data file of the project (CSV, Parquet or JSON lines) whose versions mldesk keeps. Adding one copies the file
        into a local content-addressed cache (<code className="mono">.mldesk/cache</code>, outside git) and commits a small pointer file; every later
        add of a changed file is a new version you can profile, diff, validate and check out again.
      </p>
      <div className="code-block ds-empty-code">
        <pre className="code-box selectable">
          <code>
            cd {projectPath}
            {'\n'}mldesk data add data/train.csv
          </code>
        </pre>
      </div>
      <p className="empty-text muted">Or add a file of this project from here:</p>
      <div className="button-row center">
        <button type="button" className="button button-primary" onClick={onAdd} data-testid="btn-add-dataset">
          <PlusIcon />
          Add dataset
        </button>
      </div>
    </EmptyState>
  );
}
