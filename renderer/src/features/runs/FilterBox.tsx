import { forwardRef, useId, useImperativeHandle, useLayoutEffect, useMemo, useRef, useState } from 'react';
import { FilterSyntaxError, parseFilter } from '../../../../shared/lib/mlflowFilter';
import { applySuggestion, suggestFilter, type Suggestion, type SuggestSource } from './filterSuggest';
import { SearchIcon } from './icons';
import { useRuns, type FilterError } from './store';

export interface FilterBoxHandle {
  focus(): void;
}

const EXAMPLES = ["metrics.val_auc > 0.8", "params.model = 'xgboost'", "attributes.status = 'RUNNING'", "tags.team LIKE 'risk%'", "metrics.loss < 0.3 AND params.lr = '0.05'"];

/** Where the error points, drawn under the box: the filter with the span underlined, a caret line, the message. */
function FilterErrorView({ error, onJump }: { error: FilterError; onJump: () => void }) {
  const { filter, position, length } = error;
  const start = Math.min(Math.max(0, position), filter.length);
  const end = Math.min(filter.length, start + Math.max(0, length));
  const caret = `${' '.repeat(start)}^${'~'.repeat(Math.max(0, end - start - 1))}`;
  return (
    <div className="filter-error" role="alert" data-testid="runs-filter-error" data-position={position} data-length={length}>
      <button type="button" className="filter-error-src" onClick={onJump} title="Move the cursor to the error">
        <code>
          {filter.slice(0, start)}
          <mark className="filter-error-mark">{end > start ? filter.slice(start, end) : ' '}</mark>
          {filter.slice(end)}
        </code>
        <code className="filter-error-caret" aria-hidden="true">
          {caret}
        </code>
      </button>
      <p className="filter-error-msg">
        <span className="muted">Position {position}:</span> {error.message}
      </p>
    </div>
  );
}

const KIND_LABEL: Record<Suggestion['kind'], string> = { entity: '', key: '', operator: 'operator', value: 'value', keyword: '' };

/**
 * MLflow filter box. Enter applies (checked client-side first, with the same parser the server uses,
 * so syntax errors appear instantly and the previous results stay); Escape reverts the draft.
 * With a `source`, it autocompletes keys (`metrics.` / `params.` / `tags.` / `attributes.` + the keys the runs
 * have), operators and known values: ↓/↑ pick, Enter or Tab accepts, Esc closes the list.
 */
export const FilterBox = forwardRef<FilterBoxHandle, { value: string; onApply: (filter: string) => void; source?: SuggestSource }>(function FilterBox({ value, onApply, source }, ref) {
  const [draft, setDraft] = useState(value);
  const [applied, setApplied] = useState(value);
  const [localError, setLocalError] = useState<FilterError | null>(null);
  const serverError = useRuns((s) => s.filterError);
  const input = useRef<HTMLInputElement>(null);
  const listId = useId();
  const [cursor, setCursor] = useState(value.length);
  const [open, setOpen] = useState(false);
  const [active, setActive] = useState(-1);
  /** Where to put the caret after React re-renders the new text. */
  const pendingCaret = useRef<number | null>(null);
  const suggestions = useMemo(() => (open && source ? suggestFilter(draft, cursor, source) : null), [open, source, draft, cursor]);
  const items = suggestions?.items ?? [];
  const activeItem = active >= 0 && active < items.length ? items[active] : undefined;
  useLayoutEffect(() => {
    const at = pendingCaret.current;
    if (at === null || !input.current) return;
    pendingCaret.current = null;
    input.current.setSelectionRange(at, at);
  });
  // Keep the highlighted option in view while arrowing through a long list.
  useLayoutEffect(() => {
    if (active < 0) return;
    document.getElementById(`${listId}-${active}`)?.scrollIntoView({ block: 'nearest' });
  }, [active, listId]);

  const syncCursor = () => {
    const el = input.current;
    if (el) setCursor(el.selectionStart ?? el.value.length);
  };
  const accept = (s: Suggestion) => {
    if (!suggestions) return;
    const next = applySuggestion(draft, suggestions, s);
    setDraft(next.text);
    setCursor(next.cursor);
    pendingCaret.current = next.cursor;
    setActive(-1);
    setOpen(s.keepOpen === true);
    if (localError) setLocalError(null);
  };
  useImperativeHandle(ref, () => ({
    focus() {
      input.current?.focus();
      input.current?.select();
    },
  }));

  // The applied filter changed from outside (URL, experiment switch): show it.
  if (value !== applied) {
    setApplied(value);
    setDraft(value);
    setLocalError(null);
  }

  const error = localError ?? (serverError && serverError.filter === draft ? serverError : null);

  const apply = () => {
    setOpen(false);
    setActive(-1);
    const f = draft.trim();
    try {
      parseFilter(f);
    } catch (e) {
      if (e instanceof FilterSyntaxError) {
        setLocalError({ filter: f, message: e.detail, position: e.position, length: e.length });
        setDraft(f);
        return;
      }
      throw e;
    }
    setLocalError(null);
    setDraft(f);
    onApply(f);
  };

  const jump = () => {
    const el = input.current;
    if (!el || !error) return;
    el.focus();
    el.setSelectionRange(error.position, error.position + Math.max(error.length, 0));
  };

  return (
    <div className="runs-filter">
      <div className={`runs-filter-box${error ? ' invalid' : ''}${draft !== value ? ' dirty' : ''}`}>
        <SearchIcon className="runs-filter-icon" />
        <label className="visually-hidden" htmlFor="runs-filter">
          Filter runs (MLflow syntax)
        </label>
        <input
          ref={input}
          id="runs-filter"
          className="runs-filter-input mono"
          type="text"
          value={draft}
          placeholder="metrics.val_auc > 0.8 AND params.model = 'xgboost'"
          title={`MLflow filter syntax, e.g.\n${EXAMPLES.join('\n')}\n\nEnter applies, Esc reverts, / focuses.`}
          autoComplete="off"
          autoCapitalize="off"
          spellCheck={false}
          aria-invalid={error ? true : undefined}
          aria-describedby={error ? 'runs-filter-error' : undefined}
          role="combobox"
          aria-autocomplete="list"
          aria-expanded={items.length > 0}
          aria-controls={items.length > 0 ? listId : undefined}
          aria-activedescendant={activeItem ? `${listId}-${active}` : undefined}
          onChange={(e) => {
            setDraft(e.target.value);
            setCursor(e.target.selectionStart ?? e.target.value.length);
            setOpen(true);
            setActive(-1);
            if (localError) setLocalError(null);
          }}
          onFocus={() => {
            syncCursor();
            setOpen(true);
          }}
          onBlur={() => {
            setOpen(false);
            setActive(-1);
          }}
          onClick={() => {
            syncCursor();
            setOpen(true);
          }}
          onKeyUp={(e) => {
            if (e.key === 'ArrowLeft' || e.key === 'ArrowRight' || e.key === 'Home' || e.key === 'End') syncCursor();
          }}
          onKeyDown={(e) => {
            if (items.length > 0 && (e.key === 'ArrowDown' || e.key === 'ArrowUp')) {
              e.preventDefault();
              const n = items.length;
              setActive((a) => (e.key === 'ArrowDown' ? (a + 1) % n : a <= 0 ? n - 1 : a - 1));
              return;
            }
            if (e.key === 'ArrowDown' && source && !open) {
              e.preventDefault();
              syncCursor();
              setOpen(true);
              return;
            }
            // Enter takes a highlighted suggestion (else applies the filter); Tab completes what is being typed.
            const typing = suggestions !== null && suggestions.from < cursor;
            if ((e.key === 'Enter' || e.key === 'Tab') && !e.shiftKey && items.length > 0 && (activeItem || (e.key === 'Tab' && typing))) {
              e.preventDefault();
              accept(activeItem ?? (items[0] as Suggestion));
              return;
            }
            if (e.key === 'Enter') {
              e.preventDefault();
              apply();
            } else if (e.key === 'Escape') {
              e.preventDefault();
              e.stopPropagation();
              if (items.length > 0) {
                setOpen(false);
                setActive(-1);
              } else if (draft !== value || localError) {
                setDraft(value);
                setLocalError(null);
                useRuns.getState().clearFilterError();
              } else input.current?.blur();
            }
          }}
          data-testid="runs-filter"
        />
        {draft !== value ? (
          <kbd className="runs-filter-hint" title="Press Enter to apply">
            ↵
          </kbd>
        ) : value ? (
          <button
            type="button"
            className="icon-button runs-filter-clear"
            aria-label="Clear filter"
            title="Clear filter"
            onClick={() => {
              setDraft('');
              setLocalError(null);
              onApply('');
            }}
          >
            ×
          </button>
        ) : (
          <kbd className="runs-filter-hint" title="Press / to focus the filter">
            /
          </kbd>
        )}
      </div>
      {items.length > 0 ? (
        <ul id={listId} className="filter-suggest" role="listbox" aria-label="Suggestions" data-testid="filter-suggestions">
          {items.map((it, i) => (
            <li
              key={`${it.kind}:${it.label}`}
              id={`${listId}-${i}`}
              role="option"
              aria-selected={i === active}
              className={`filter-suggest-item kind-${it.kind}${i === active ? ' active' : ''}`}
              onMouseDown={(e) => {
                e.preventDefault(); // keep the focus (and the caret) in the input
                accept(it);
              }}
              onMouseEnter={() => setActive(i)}
              data-testid="filter-suggestion"
              data-kind={it.kind}
              data-label={it.label}
            >
              <span className="mono truncate">{it.label}</span>
              {it.detail || KIND_LABEL[it.kind] ? <span className="filter-suggest-detail muted small">{it.detail ?? KIND_LABEL[it.kind]}</span> : null}
            </li>
          ))}
        </ul>
      ) : null}
      {error ? (
        <div id="runs-filter-error">
          <FilterErrorView error={error} onJump={jump} />
        </div>
      ) : null}
    </div>
  );
});
