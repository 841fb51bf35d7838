import { defaultSection } from './sections';
import { useReadyWhen } from './ready';
import { useRoutePath } from './router';

export function NotFound() {
  const path = useRoutePath();
  useReadyWhen(true);
  return (
    <div className="page">
      <div className="empty-state">
        <h1 className="empty-title">Nothing at {path}</h1>
        <p className="muted">This link points to a view that does not exist in this version of mldesk.</p>
        <a className="button button-primary" href={`#${defaultSection.path}`}>
          Go to {defaultSection.label}
        </a>
      </div>
    </div>
  );
}
