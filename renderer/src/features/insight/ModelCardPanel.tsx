import { useEffect, useState } from 'react';
import { CARD_EDITABLE, type CardEditable, type ModelCard } from '../../../../shared/contract';
import { api } from '../../api/client';
import { toast } from '../../app/toasts';
import { asMldeskError } from '../../lib/errors';
import { downloadBlob } from '../../lib/exportCsv';
import { Spinner } from '../../ui/Spinner';

type Err = { code: string; message: string };
type Edits = Record<CardEditable, string>;

/** Markdown as plain blocks: headings, tables and lists shown as they are written (the card is Markdown). */
function MarkdownBlock({ text }: { text: string }) {
  return <pre className="ins-card-md">{text}</pre>;
}

/**
 * The model card: generated sections (read-only; they follow lineage, data, metrics, explanations, fairness) and the
 * person-written ones (editable). Export as Markdown or self-contained HTML; Save commits MODEL_CARD.md to the project.
 */
export function ModelCardPanel({ model, version }: { model: string; version: string }) {
  const [card, setCard] = useState<ModelCard | Err | null>(null);
  const [edits, setEdits] = useState<Edits | null>(null);
  const [saving, setSaving] = useState(false);
  const [tick, setTick] = useState(0);

  useEffect(() => {
    let alive = true;
    setCard(null);
    api.insight.card({ model, version }).then(
      (c) => {
        if (!alive) return;
        setCard(c);
        setEdits({ ...c.edits });
      },
      (e: unknown) => {
        if (!alive) return;
        const err = asMldeskError(e);
        setCard({ code: err.code, message: err.message });
      },
    );
    return () => {
      alive = false;
    };
  }, [model, version, tick]);

  if (card === null || (!('code' in card) && edits === null))
    return (
      <p className="muted small">
        <Spinner /> Generating the model card…
      </p>
    );
  if ('code' in card)
    return (
      <p className="field-error" role="alert" data-testid="card-error">
        <code className="error-code">{card.code}</code> {card.message}
      </p>
    );
  const e = edits!;
  const dirty = CARD_EDITABLE.some((k) => e[k] !== card.edits[k]);

  const exportAs = async (format: 'markdown' | 'html') => {
    try {
      const out = await api.insight.exportCard({ model, version, format, edits: e });
      downloadBlob(new Blob([out.text], { type: `${out.mime};charset=utf-8` }), out.fileName);
    } catch (err) {
      toast.error(err, `Could not export the card as ${format === 'html' ? 'HTML' : 'Markdown'}`);
    }
  };
  const save = async () => {
    setSaving(true);
    try {
      const r = await api.insight.saveCard({ model, version, edits: e });
      toast.success(`Committed ${r.path} (${r.commit.slice(0, 8)})`, 'Model card saved');
      setTick((t) => t + 1);
    } catch (err) {
      toast.error(err, 'Could not save the model card');
    } finally {
      setSaving(false);
    }
  };

  return (
    <section className="ins-section ins-card" data-testid="model-card" aria-label="Model card">
      <div className="ins-card-bar">
        <span className="muted small" data-testid="card-saved">
          {card.path ? (
            card.savedCommit ? (
              <>
                Saved as <code className="mono">{card.path}</code> in commit <code className="mono">{card.savedCommit.slice(0, 8)}</code>
              </>
            ) : (
              <>
                Not saved yet; Save commits <code className="mono">{card.path}</code> to the project
              </>
            )
          ) : (
            'No project in this version’s lineage: export the card instead'
          )}
          {dirty ? <span className="badge badge-warn"> unsaved edits</span> : null}
        </span>
        <div className="toolbar">
          <button type="button" className="button button-sm" onClick={() => void exportAs('markdown')} data-testid="card-export-md">
            Export Markdown
          </button>
          <button type="button" className="button button-sm" onClick={() => void exportAs('html')} data-testid="card-export-html">
            Export HTML
          </button>
          <button type="button" className="button button-primary button-sm" onClick={() => void save()} disabled={saving || !card.path} aria-busy={saving || undefined} data-testid="card-save" title="Commit MODEL_CARD.md into the project">
            {saving ? <Spinner /> : null}
            Save (commit)
          </button>
        </div>
      </div>
      {card.sections.map((s) => (
        <div key={s.id} className={`ins-card-section${s.editable ? ' editable' : ''}`} data-testid={`card-section-${s.id}`}>
          <h4 className="section-title">
            {s.title} {s.editable ? <span className="muted small">· written by a person</span> : <span className="muted small">· generated</span>}
          </h4>
          {s.editable ? (
            <textarea
              className="input textarea"
              rows={4}
              value={e[s.id as CardEditable]}
              placeholder={`Write the ${s.title.toLowerCase()} (Markdown).`}
              onChange={(ev) => setEdits({ ...e, [s.id]: ev.target.value })}
              aria-label={s.title}
              data-testid={`card-edit-${s.id}`}
            />
          ) : (
            <MarkdownBlock text={s.markdown} />
          )}
        </div>
      ))}
    </section>
  );
}
