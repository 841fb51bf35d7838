/**
 * Editing a run in place: its name, its description (Markdown in the `mlflow.note.content` tag, as MLflow keeps
 * it) and its tags. Every change goes through the same tracking calls MLflow clients use, so the MLflow API sees it.
 */
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { api } from '../../api/client';
import { toast } from '../../app/toasts';
import { describeError } from '../../lib/errors';
import { Spinner } from '../../ui/Spinner';
import { useRunDetail } from './detailStore';
import { Markdown } from './Markdown';

export const NOTE_TAG = 'mlflow.note.content';
/** Tag value limit of the contract (MLflow's is 8,000 too). */
const NOTE_MAX = 8000;

const reload = (runId: string) => void useRunDetail.getState().load(runId);

/** The run name as the page title, with a rename button (Enter saves, Esc cancels). */
export function RunTitle({ runId, name, readOnly }: { runId: string; name: string; readOnly: boolean }) {
  const [editing, setEditing] = useState(false);
  const [draft, setDraft] = useState(name);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => {
    if (editing) input.current?.select();
  }, [editing]);

  const start = () => {
    setDraft(name);
    setError(null);
    setEditing(true);
  };
  const save = async (e?: FormEvent) => {
    e?.preventDefault();
    const next = draft.trim();
    if (!next) {
      setError('A run needs a name');
      return;
    }
    if (next === name) {
      setEditing(false);
      return;
    }
    setBusy(true);
    try {
      await api.tracking.renameRun({ runId, name: next });
      setEditing(false);
      toast.success(`Renamed to “${next}”`);
      reload(runId);
    } catch (err) {
      setError(describeError(err));
    } finally {
      setBusy(false);
    }
  };

  if (!editing) {
    return (
      <span className="run-title-wrap">
        <h1 className="run-title" title={name} data-testid="run-title">
          {name || runId}
        </h1>
        {readOnly ? null : (
          <button type="button" className="icon-button run-edit-button" onClick={start} aria-label="Rename the run" title="Rename" data-testid="btn-rename-run">
            ✎
          </button>
        )}
      </span>
    );
  }
  return (
    <form className="run-title-form" onSubmit={(e) => void save(e)} data-testid="run-rename-form">
      <input
        ref={input}
        className="input input-sm run-title-input"
        value={draft}
        maxLength={250}
        onChange={(e) => {
          setDraft(e.target.value);
          setError(null);
        }}
        onKeyDown={(e) => {
          if (e.key === 'Escape') {
            e.preventDefault();
            e.stopPropagation();
            setEditing(false);
          }
        }}
        aria-label="Run name"
        aria-invalid={error ? true : undefined}
        disabled={busy}
        data-testid="run-rename-input"
      />
      <button type="submit" className="button button-sm button-primary" disabled={busy} data-testid="run-rename-save">
        {busy ? <Spinner /> : null}
        Save
      </button>
      <button type="button" className="button button-sm" onClick={() => setEditing(false)} disabled={busy}>
        Cancel
      </button>
      {error ? (
        <span className="field-error small" role="alert">
          {error}
        </span>
      ) : null}
    </form>
  );
}

/** The run's description: rendered Markdown, editable (stored in the mlflow.note.content tag, like MLflow's UI). */
export function RunDescription({ runId, note, readOnly }: { runId: string; note: string | undefined; readOnly: boolean }) {
  const [editing, setEditing] = useState(false);
  const [draft, setDraft] = useState(note ?? '');
  const [preview, setPreview] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const start = () => {
    setDraft(note ?? '');
    setPreview(false);
    setError(null);
    setEditing(true);
  };
  const save = async () => {
    const text = draft.replace(/\s+$/, '');
    setBusy(true);
    setError(null);
    try {
      if (text) await api.tracking.setTag({ runId, key: NOTE_TAG, value: text });
      else if (note !== undefined) await api.tracking.deleteTag({ runId, key: NOTE_TAG });
      setEditing(false);
      toast.success(text ? 'Description saved' : 'Description removed');
      reload(runId);
    } catch (e) {
      setError(describeError(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="card run-description" aria-labelledby="run-description-title" data-testid="run-description">
      <header className="card-head">
        <h2 id="run-description-title" className="card-title">
          Description
        </h2>
        {!editing && !readOnly ? (
          <button type="button" className="button button-xs" onClick={start} data-testid="btn-edit-description">
            {note ? 'Edit' : 'Add a description'}
          </button>
        ) : null}
      </header>
      {!editing ? (
        note ? (
          <Markdown source={note} className="run-note" testId="run-description-text" />
        ) : (
          <p className="muted small" data-testid="run-description-empty">
            No description. {readOnly ? '' : 'Describe what this run tried and what came out of it (Markdown).'}
          </p>
        )
      ) : (
        <div className="run-description-edit">
          <div className="tabs tabs-sm" role="tablist" aria-label="Description editor">
            <button type="button" role="tab" aria-selected={!preview} className={`tab${preview ? '' : ' active'}`} onClick={() => setPreview(false)}>
              Write
            </button>
            <button type="button" role="tab" aria-selected={preview} className={`tab${preview ? ' active' : ''}`} onClick={() => setPreview(true)} data-testid="description-preview-tab">
              Preview
            </button>
          </div>
          {preview ? (
            draft.trim() ? (
              <Markdown source={draft} className="run-note" testId="run-description-preview" />
            ) : (
              <p className="muted small">Nothing to preview.</p>
            )
          ) : (
            <textarea
              className="input run-description-input mono"
              value={draft}
              onChange={(e) => setDraft(e.target.value)}
              onKeyDown={(e) => {
                if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
                  e.preventDefault();
                  void save();
                } else if (e.key === 'Escape') {
                  e.preventDefault();
                  e.stopPropagation();
                  setEditing(false);
                }
              }}
              rows={6}
              maxLength={NOTE_MAX}
              placeholder={'What did this run try? **Markdown** works: lists, `code`, [links](https://…)'}
              aria-label="Description (Markdown)"
              autoFocus
              disabled={busy}
              data-testid="run-description-input"
            />
          )}
          <div className="button-row">
            <button type="button" className="button button-sm button-primary" onClick={() => void save()} disabled={busy || draft.length > NOTE_MAX} data-testid="run-description-save">
              {busy ? <Spinner /> : null}
              Save
            </button>
            <button type="button" className="button button-sm" onClick={() => setEditing(false)} disabled={busy}>
              Cancel
            </button>
            <span className="muted small">
              Markdown · stored in the <code>{NOTE_TAG}</code> tag · Ctrl+Enter saves · {draft.length.toLocaleString()}/{NOTE_MAX.toLocaleString()}
            </span>
          </div>
          {error ? (
            <p className="field-error small" role="alert">
              {error}
            </p>
          ) : null}
        </div>
      )}
    </section>
  );
}

/** Form under the tags table: add a tag (or set a new value for an existing key). */
export function TagAdder({ runId, existing }: { runId: string; existing: ReadonlySet<string> }) {
  const [key, setKey] = useState('');
  const [value, setValue] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const keyRef = useRef<HTMLInputElement>(null);
  const k = key.trim();
  const reserved = k.startsWith('mlflow.') || k.startsWith('mldesk.');
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!k || reserved) return;
    setBusy(true);
    setError(null);
    try {
      await api.tracking.setTag({ runId, key: k, value });
      toast.success(existing.has(k) ? `Tag ${k} updated` : `Tag ${k} added`);
      setKey('');
      setValue('');
      reload(runId);
      keyRef.current?.focus();
    } catch (err) {
      setError(describeError(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="tag-adder" onSubmit={(e) => void submit(e)} data-testid="tag-adder">
      <input
        ref={keyRef}
        className="input input-sm mono"
        placeholder="key"
        value={key}
        maxLength={250}
        onChange={(e) => {
          setKey(e.target.value);
          setError(null);
        }}
        aria-label="Tag key"
        aria-invalid={reserved || undefined}
        data-testid="tag-key-input"
      />
      <input
        className="input input-sm mono"
        placeholder="value"
        value={value}
        maxLength={8000}
        onChange={(e) => setValue(e.target.value)}
        aria-label="Tag value"
        data-testid="tag-value-input"
      />
      <button type="submit" className="button button-sm" disabled={busy || !k || reserved} data-testid="tag-add">
        {busy ? <Spinner /> : null}
        {existing.has(k) ? 'Set' : 'Add tag'}
      </button>
      {reserved ? <span className="field-error small">mlflow.* and mldesk.* tags are set by the tools, not by hand</span> : null}
      {error ? (
        <span className="field-error small" role="alert">
          {error}
        </span>
      ) : null}
    </form>
  );
}

/** Removes a tag (the × on a tag row). */
export async function removeTag(runId: string, key: string): Promise<void> {
  try {
    await api.tracking.deleteTag({ runId, key });
    toast.success(`Tag ${key} removed`);
    reload(runId);
  } catch (e) {
    toast.error(e, `Could not remove the tag ${key}`);
  }
}
