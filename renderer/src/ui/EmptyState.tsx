import type { ReactNode } from 'react';
import type { Icon } from '../app/icons';

/** The centred panel of a view with nothing to show yet: the section's icon, a title, then its text and actions. */
export function EmptyState({
  icon: SectionIcon,
  title,
  testId,
  className,
  children,
}: {
  icon: Icon;
  title: ReactNode;
  testId?: string;
  className?: string;
  children?: ReactNode;
}) {
  return (
    <div className={className ? `empty-state ${className}` : 'empty-state'} data-testid={testId}>
      <div className="empty-icon" aria-hidden="true">
        <SectionIcon width={28} height={28} />
      </div>
      <h2 className="empty-title">{title}</h2>
      {children}
    </div>
  );
}
