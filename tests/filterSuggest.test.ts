// Filter box autocomplete (renderer/src/features/runs/filterSuggest.ts): what is suggested where, and what accepting does.
import { describe, expect, it } from 'vitest';
import { parseFilter } from '../shared/lib/mlflowFilter';
import { applySuggestion, suggestFilter, type SuggestSource } from '../renderer/src/features/runs/filterSuggest';

const src: SuggestSource = {
  params: ['lr', 'model', 'max depth'],
  metrics: ['val_auc', 'val_loss', 'train_loss', 'system/cpu'],
  tags: ['team', 'mlflow.user'],
  values: (entity, key) => (entity === 'param' && key === 'model' ? ['gbt', 'logreg', "o'brien"] : entity === 'tag' && key === 'team' ? ['risk', 'growth'] : []),
};
const at = (text: string, cursor = text.length) => suggestFilter(text, cursor, src);
const labels = (text: string, cursor?: number) => at(text, cursor)?.items.map((i) => i.label) ?? [];
/** Types `text`, accepts the suggestion labelled `label`. */
function accept(text: string, label: string, cursor = text.length): { text: string; cursor: number } {
  const r = at(text, cursor);
  const s = r?.items.find((i) => i.label === label);
  if (!r || !s) throw new Error(`no suggestion ${label} at ${JSON.stringify(text)}: ${labels(text, cursor).join(', ')}`);
  return applySuggestion(text, r, s);
}

describe('suggestFilter', () => {
  it('an empty box offers the four prefixes with their key counts', () => {
    const r = at('');
    expect(r?.items.map((i) => [i.label, i.kind, i.detail])).toEqual([
      ['metrics.', 'entity', '4 keys'],
      ['params.', 'entity', '3 keys'],
      ['tags.', 'entity', '2 keys'],
      ['attributes.', 'entity', '7 attributes'],
    ]);
    expect(r?.items.every((i) => i.keepOpen)).toBe(true);
  });

  it('completes known keys after a prefix (prefix matches first, then substring), quoting odd names', () => {
    expect(labels('metrics.')).toEqual(['metrics.val_auc', 'metrics.val_loss', 'metrics.train_loss', 'metrics.system/cpu']);
    expect(labels('metrics.loss')).toEqual(['metrics.val_loss', 'metrics.train_loss']);
    expect(labels('metrics.tr')).toEqual(['metrics.train_loss']);
    expect(labels('params.max')).toEqual(['params.max depth']);
    expect(accept('params.max', 'params.max depth').text).toBe('params.`max depth` ');
    expect(labels('attributes.st')).toEqual(['attributes.status', 'attributes.start_time']);
    // Aliases MLflow accepts.
    expect(labels('metric.val_a')).toEqual(['metrics.val_auc']);
    // A bare word: matching prefixes and keys of every kind.
    expect(labels('ta')).toEqual(['tags.']);
    expect(labels('te')).toEqual(['tags.team', 'metrics.system/cpu']);
    expect(labels('val')).toEqual(['metrics.val_auc', 'metrics.val_loss']);
  });

  it('then operators that fit the field, then known values (quoted), then AND', () => {
    let s = accept('metrics.va', 'metrics.val_auc');
    expect(s).toEqual({ text: 'metrics.val_auc ', cursor: 16 });
    expect(labels(s.text)).toEqual(['>', '>=', '<', '<=', '=', '!=']);
    expect(labels('params.model ')).toEqual(['=', '!=', 'LIKE', 'ILIKE', 'IN', 'NOT IN', 'IS NULL', 'IS NOT NULL']);
    expect(labels('params.model I')).toEqual(['ILIKE', 'IN', 'IS NULL', 'IS NOT NULL']);
    expect(labels('metrics.val_auc >')).toEqual(['>=']);
    s = accept('params.model ', '=');
    expect(s.text).toBe('params.model = ');
    expect(labels(s.text)).toEqual(['gbt', 'logreg', "o'brien"]);
    expect(labels("params.model = 'lo")).toEqual(['logreg']);
    expect(accept("params.model = 'lo", 'logreg').text).toBe("params.model = 'logreg' ");
    expect(accept('params.model = ', "o'brien").text).toBe("params.model = 'o\\'brien' ");
    expect(labels("params.model = 'gbt' ")).toEqual(['AND']);
    // Right after the closing quote, AND comes with its space.
    expect(accept("params.model = 'gbt'", 'AND').text).toBe("params.model = 'gbt' AND ");
    expect(labels("params.model = 'gbt' AND ")).toContain('metrics.');
    expect(labels('attributes.status = ')).toEqual(['RUNNING', 'SCHEDULED', 'FINISHED', 'FAILED', 'KILLED']);
    // Metrics have no value list.
    expect(at('metrics.val_auc > ')).toBeNull();
  });

  it('IN lists: values without trailing spaces, commas between', () => {
    let s = accept('tags.team ', 'IN');
    expect(s.text).toBe('tags.team IN (');
    expect(labels(s.text)).toEqual(['risk', 'growth']);
    s = accept(s.text, 'risk');
    expect(s.text).toBe("tags.team IN ('risk'");
    expect(labels(`${s.text},`)).toEqual(['risk', 'growth']);
    expect(accept(`${s.text},`, 'growth').text).toBe("tags.team IN ('risk', 'growth'");
    expect(labels("tags.team IN ('risk' ")).toEqual([')']);
    expect(accept("tags.team IN ('risk'", ')').text).toBe("tags.team IN ('risk') ");
  });

  it('accepting in the middle of a word replaces the whole word; the result parses', () => {
    const text = 'metrics.va > 0.5';
    const s = accept(text, 'metrics.val_loss', 10);
    expect(s.text).toBe('metrics.val_loss  > 0.5');
    expect(() => parseFilter(s.text)).not.toThrow();
    // A whole filter typed through suggestions only.
    let t = accept('', 'params.').text;
    t = accept(t, 'params.model').text;
    t = accept(t, 'IN').text;
    t = accept(t, 'gbt').text;
    t = accept(`${t},`, 'logreg').text;
    t = accept(t, ')').text;
    t = accept(t, 'AND').text;
    t = accept(t, 'metrics.').text;
    t = accept(t, 'metrics.val_auc').text;
    t = accept(t, '>=').text;
    expect(t).toBe("params.model IN ('gbt', 'logreg') AND metrics.val_auc >= ");
    expect(parseFilter(`${t}0.8`).clauses).toHaveLength(2);
  });

  it('survives odd input without throwing', () => {
    for (const text of ["'", '`', 'metrics.`my', '((', '= = =', 'AND AND', "params.x = 'a", 'IS NOT', '\\']) {
      expect(() => suggestFilter(text, text.length, src)).not.toThrow();
      expect(() => suggestFilter(text, 0, src)).not.toThrow();
    }
  });
});
