import { forwardRef, useImperativeHandle, useRef, useState } from 'react';
import { FilterSyntaxError, parseFilter } from '../../../../shared/lib/mlflowFilter';
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

/**
 * MLflow filter box. Enter applies (checked client-side first, with the same parser the server uses,
 * so syntax errors appear instantly and the previous results stay); Escape reverts the draft.
 */
export const FilterBox = forwardRef<FilterBoxHandle, { value: string; onApply: (filter: string) => void }>(function FilterBox({ value, onApply }, ref) {
  const [draft, setDraft] = useState(value);
  const [applied, setApplied] = useState(value);
  const [localError, setLocalError] = useState<FilterError | null>(null);
  const serverError = useRuns((s) => s.filterError);
  const input = useRef<HTMLInputElement>(null);
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
          onChange={(e) => {
            setDraft(e.target.value);
            if (localError) setLocalError(null);
          }}
          onKeyDown={(e) => {
            if (e.key === 'Enter') {
              e.preventDefault();
              apply();
            } else if (e.key === 'Escape') {
              e.preventDefault();
              e.stopPropagation();
              if (draft !== value || localError) {
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
      {error ? (
        <div id="runs-filter-error">
          <FilterErrorView error={error} onJump={jump} />
        </div>
      ) : null}
    </div>
  );
});
