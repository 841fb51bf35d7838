import { formatShortcut, openShortcutsHelp } from './shortcuts';
import { KeyboardIcon } from './icons';
import { useRouteSection } from './router';
import { sections, type Section } from './sections';
import { ThemeToggle } from './ThemeToggle';
import { hostKind } from '../api/client';

function NavItem({ section, active }: { section: Section; active: boolean }) {
  const Icon = section.icon;
  const keys = section.shortcut ? formatShortcut(section.shortcut) : undefined;
  return (
    <li>
      <a
        href={`#${section.path}`}
        className={`nav-item${active ? ' active' : ''}`}
        aria-current={active ? 'page' : undefined}
        title={keys ? `${section.label} (${keys})` : section.label}
        data-testid={`nav-${section.id}`}
      >
        <Icon className="nav-icon" />
        <span className="nav-label">{section.label}</span>
        {keys ? (
          <kbd className="nav-kbd" aria-hidden="true">
            {keys}
          </kbd>
        ) : null}
      </a>
    </li>
  );
}

export function Sidebar() {
  const current = useRouteSection();
  const main = sections.filter((s) => !s.footer);
  const footer = sections.filter((s) => s.footer);
  return (
    <aside className="sidebar">
      <div className="sidebar-brand">
        <span className="brand-mark" aria-hidden="true">
          ◆
        </span>
        <span className="brand-name">mldesk</span>
        <span className="host-badge" title={hostKind === 'electron' ? 'Desktop app' : 'Web UI served by mldesk serve'}>
          {hostKind}
        </span>
      </div>
      <nav className="sidebar-nav" aria-label="Sections">
        <ul>
          {main.map((s) => (
            <NavItem key={s.id} section={s} active={s.id === current} />
          ))}
        </ul>
      </nav>
      <div className="sidebar-footer">
        {footer.length > 0 ? (
          <ul className="sidebar-nav">
            {footer.map((s) => (
              <NavItem key={s.id} section={s} active={s.id === current} />
            ))}
          </ul>
        ) : null}
        <div className="sidebar-footer-row">
          <ThemeToggle />
          <button type="button" className="sidebar-footer-button" onClick={openShortcutsHelp} title="Keyboard shortcuts (?)" aria-label="Keyboard shortcuts">
            <KeyboardIcon />
          </button>
        </div>
      </div>
    </aside>
  );
}
