import { formatShortcut, openShortcutsHelp } from './shortcuts';
import { KeyboardIcon } from './icons';
import { togglePanel, usePanelCollapsed } from './panels';
import { buildHash, useRouteSection } from './router';
import { sections, type Section } from './sections';
import { ThemeToggle } from './ThemeToggle';
import { hostKind } from '../api/client';

/** A section's link: its path, or where it currently leads (e.g. Compare → the selected runs), and how many runs. */
function useSectionLink(section: Section): { href: string; runs: number } {
  const query = section.target?.useQuery();
  return { href: buildHash(section.path, query), runs: query?.runs ? query.runs.split(',').length : 0 };
}

const noBadge = () => 0;

function NavItem({ section, active }: { section: Section; active: boolean }) {
  const Icon = section.icon;
  const keys = section.shortcut ? formatShortcut(section.shortcut) : undefined;
  const { href, runs } = useSectionLink(section);
  const count = (section.badge?.useCount ?? noBadge)();
  const badge = count > 0 && section.badge ? section.badge.label(count) : null;
  const label = [runs > 0 ? `${section.label} ${runs} run${runs === 1 ? '' : 's'}` : section.label, badge].filter(Boolean).join(', ');
  return (
    <li>
      <a
        href={href}
        className={`nav-item${active ? ' active' : ''}`}
        aria-current={active ? 'page' : undefined}
        title={keys ? `${label} (${keys})` : label}
        aria-label={badge ? label : undefined}
        data-testid={`nav-${section.id}`}
      >
        <Icon className="nav-icon" />
        <span className="nav-label">{section.label}</span>
        {badge ? (
          <span className="nav-badge" aria-hidden="true" data-testid={`nav-${section.id}-badge`}>
            {count > 99 ? '99+' : count}
          </span>
        ) : null}
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
  const collapsed = usePanelCollapsed('sidebar');
  const main = sections.filter((s) => !s.footer);
  const footer = sections.filter((s) => s.footer);
  return (
    <aside className="sidebar" data-testid="sidebar" data-collapsed={collapsed}>
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
          <button
            type="button"
            className="sidebar-footer-button sidebar-collapse-button"
            onClick={() => togglePanel('sidebar')}
            title={collapsed ? 'Expand the sidebar' : 'Collapse the sidebar'}
            aria-label={collapsed ? 'Expand the sidebar' : 'Collapse the sidebar'}
            aria-expanded={!collapsed}
            data-testid="btn-toggle-sidebar"
          >
            <span aria-hidden="true">{collapsed ? '»' : '«'}</span>
          </button>
        </div>
      </div>
    </aside>
  );
}
