import { useCallback, useEffect, useId, useRef, useState } from 'react';
import type { SavedView } from '../../../../shared/contract';
import { api, subscribe } from '../../api/client';
import { TrashIcon } from '../../app/icons';
import { toast } from '../../app/toasts';
import { describeError } from '../../lib/errors';
import { RelativeTime } from '../../ui/RelativeTime';
import { Spinner } from '../../ui/Spinner';
import { BookmarkIcon } from './icons';
import type { TableViewState } from './tableLogic';
import { escapeCloses } from '../../ui/escapeCloses';

type ListState = { status: 'loading' } | { status: 'ok'; views: SavedView[] } | { status: 'error'; message: string };

/**
 * "Views" menu: saved table states of one experiment (columns, sort, filter, group, selection, pins,
 * hidden runs, colors, widths). Saving under an existing name overwrites it.
 */
export function ViewsMenu({ experimentId, capture, onApply }: { experimentId: string | null; capture: () => TableViewState; onApply: (view: SavedView) => void }) {
  const [open, setOpen] = useState(false);
  const [list, setList] = useState<ListState>({ status: 'loading' });
  const [name, setName] = useState('');
  const [busy, setBusy] = useState(false);
  const [saveError, setSaveError] = useState<string | null>(null);
  const root = useRef<HTMLDivElement>(null);
  const nameRef = useRef<HTMLInputElement>(null);
  const panelId = useId();

  const load = useCallback(() => {
    if (!experimentId) return;
    api.views.list({ experimentId }).then(
      (views) => setList({ status: 'ok', views }),
      (e: unknown) => setList({ status: 'error', message: describeError(e) }),
    );
  }, [experimentId]);

  useEffect(() => {
    if (!open || !experimentId) return;
    setList({ status: 'loading' });
    load();
    return subscribe('views.changed', (p) => {
      if (p.experimentId === experimentId) load();
    });
  }, [open, experimentId, load]);

  useEffect(() => {
    if (!open) return;
    const onDown = (e: MouseEvent) => {
      if (root.current && e.target instanceof Node && !root.current.contains(e.target)) setOpen(false);
    };
    document.addEventListener('mousedown', onDown);
    return () => document.removeEventListener('mousedown', onDown);
  }, [open]);

  const views = list.status === 'ok' ? list.views : [];
  const trimmed = name.trim();
  const overwrites = views.some((v) => v.name === trimmed);

  const save = async () => {
    if (!experimentId || !trimmed || busy) return;
    setBusy(true);
    setSaveError(null);
    try {
      const v = await api.views.save({ experimentId, name: trimmed, state: { ...capture() } });
      toast.success(`${overwrites ? 'Updated' : 'Saved'} view “${v.name}”`);
      setName('');
      load();
      // The Save button just got disabled: keep focus (and Escape) inside the menu.
      nameRef.current?.focus();
    } catch (e) {
      setSaveError(describeError(e));
    } finally {
      setBusy(false);
    }
  };

  const remove = async (v: SavedView) => {
    try {
      await api.views.delete({ id: v.id });
      toast.success(`Deleted view “${v.name}”`);
      setList((l) => (l.status === 'ok' ? { status: 'ok', views: l.views.filter((x) => x.id !== v.id) } : l));
    } catch (e) {
      toast.error(e, 'Could not delete the view');
    }
  };

  return (
    <div className="popover-anchor" ref={root}>
      <button
        type="button"
        className={`button${open ? ' active' : ''}`}
        aria-expanded={open}
        aria-controls={open ? panelId : undefined}
        onClick={() => setOpen((o) => !o)}
        disabled={!experimentId}
        title={experimentId ? 'Saved views of this experiment' : 'Saved views belong to one experiment: select a single experiment'}
        data-testid="btn-views"
      >
        <BookmarkIcon />
        Views
      </button>
      {open && experimentId ? (
        <div
          id={panelId}
          className="popover views-popover"
          role="dialog"
          aria-label="Saved views"
          data-testid="views-popover"
          onKeyDown={escapeCloses(() => setOpen(false), () => root.current?.querySelector<HTMLButtonElement>('[data-testid="btn-views"]'))}
        >
          <form
            className="views-save"
            onSubmit={(e) => {
              e.preventDefault();
              void save();
            }}
          >
            <input
              ref={nameRef}
              className="input input-sm"
              placeholder="Name this view…"
              value={name}
              maxLength={200}
              onChange={(e) => {
                setName(e.target.value);
                setSaveError(null);
              }}
              autoFocus
              aria-label="View name"
              data-testid="view-name-input"
            />
            <button type="submit" className="button button-sm button-primary" disabled={!trimmed || busy} data-testid="view-save" title={overwrites ? 'Overwrite the view with this name' : 'Save the current table as a view'}>
              {busy ? <Spinner /> : null}
              {overwrites ? 'Overwrite' : 'Save'}
            </button>
          </form>
          <p className="muted small views-note">Columns, sort, filter, grouping, selection, pins, hidden runs, colors and widths.</p>
          {saveError ? (
            <p className="field-error" role="alert" data-testid="views-error">
              {saveError}
            </p>
          ) : null}
          <div className="views-list">
            {list.status === 'loading' ? (
              <div className="views-empty">
                <Spinner label="Loading views" />
              </div>
            ) : list.status === 'error' ? (
              <p className="field-error" role="alert" data-testid="views-error">
                Could not load the views: {list.message}{' '}
                <button type="button" className="link-button" onClick={load}>
                  Retry
                </button>
              </p>
            ) : views.length === 0 ? (
              <p className="muted small views-empty">No saved views yet.</p>
            ) : (
              <ul className="plain-list">
                {views.map((v) => (
                  <li key={v.id} className="view-row">
                    <button
                      type="button"
                      className="view-item"
                      onClick={() => {
                        onApply(v);
                        setOpen(false);
                      }}
                      title={`Apply “${v.name}”`}
                      data-testid="view-item"
                      data-name={v.name}
                    >
                      <span className="truncate">{v.name}</span>
                      <span className="muted small">
                        <RelativeTime ms={v.updatedAt} />
                      </span>
                    </button>
                    <button type="button" className="icon-button" onClick={() => void remove(v)} aria-label={`Delete view ${v.name}`} title="Delete" data-testid="view-delete" data-name={v.name}>
                      <TrashIcon width={14} height={14} />
                    </button>
                  </li>
                ))}
              </ul>
            )}
          </div>
        </div>
      ) : null}
    </div>
  );
}
