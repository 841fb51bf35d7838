import { Dialog } from '../ui/Dialog';
import { closeShortcutsHelp, shortcutList, useShortcutsHelp } from './shortcuts';

export function ShortcutsHelp() {
  const open = useShortcutsHelp((s) => s.open);
  if (!open) return null;
  return (
    <Dialog title="Keyboard shortcuts" onClose={closeShortcutsHelp} size="sm" testId="shortcuts-help">
      <table className="shortcut-table">
        <tbody>
          {shortcutList().map((s) => (
            <tr key={s.action}>
              <td>
                <kbd>{s.keys}</kbd>
              </td>
              <td>{s.action}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </Dialog>
  );
}
