import { describe, expect, it } from 'vitest';
import type { RunRow } from '../shared/contract';
import { parseFilter } from '../shared/lib/mlflowFilter';
import {
  andFilters,
  applyQuickFilter,
  arrangeRows,
  canonicalColumnId,
  cellValue,
  collectRowKeys,
  colorViewIds,
  columnId,
  columnStats,
  columnTitle,
  compareQuery,
  compareValues,
  defaultColumns,
  distinctValues,
  flattenGroups,
  formatGroupParam,
  formatSortParam,
  groupRows,
  hasQuickFilter,
  identifier,
  metricRange,
  moveColumn,
  numberLiteral,
  parseColumnId,
  parseExperimentIds,
  parseGroupParam,
  parseSortParam,
  parseViewState,
  placePrimary,
  planSort,
  primaryMetrics,
  quickFilterClauses,
  quoteKey,
  quoteValue,
  rangeBetween,
  readQuickFilter,
  sortRows,
  splitTopLevel,
  STARRED_CLAUSE,
  toggleMany,
  toggleSort,
  type SortKey,
} from '../renderer/src/features/runs/tableLogic';

type M = [last: number | null, min: number | null, max: number | null];

function run(
  id: string,
  o: { start?: number; end?: number; status?: RunRow['info']['status']; exp?: string; params?: Record<string, string>; tags?: Record<string, string>; metrics?: Record<string, M> } = {},
): RunRow {
  const metrics: RunRow['metrics'] = {};
  for (const [k, [value, min, max]] of Object.entries(o.metrics ?? {})) {
    metrics[k] = { key: k, value: value as number, step: 0, timestamp: 0, min, max, count: 3 };
  }
  return {
    info: {
      run_id: id,
      run_uuid: id,
      run_name: `run-${id}`,
      experiment_id: o.exp ?? '1',
      user_id: 'ana',
      status: o.status ?? 'FINISHED',
      ...(o.start !== undefined ? { start_time: o.start } : {}),
      ...(o.end !== undefined ? { end_time: o.end } : {}),
      artifact_uri: `file:///a/${id}`,
      lifecycle_stage: 'active',
    },
    params: o.params ?? {},
    tags: o.tags ?? {},
    metrics,
  };
}

const ids = (rows: readonly RunRow[]) => rows.map((r) => r.info.run_id);

describe('column ids', () => {
  it('round-trips every kind', () => {
    expect(columnId({ kind: 'attr', key: 'status' })).toBe('a:status');
    expect(columnId({ kind: 'param', key: 'lr' })).toBe('p:lr');
    expect(columnId({ kind: 'tag', key: 'a:b' })).toBe('t:a:b');
    expect(columnId({ kind: 'metric', key: 'val_loss', agg: 'last' })).toBe('m:val_loss');
    expect(columnId({ kind: 'metric', key: 'val_loss', agg: 'min' })).toBe('m.min:val_loss');
    expect(parseColumnId('m.max:a:b')).toEqual({ kind: 'metric', key: 'a:b', agg: 'max' });
    expect(parseColumnId('t:a:b')).toEqual({ kind: 'tag', key: 'a:b' });
    expect(parseColumnId('a:nope')).toBeNull();
    expect(parseColumnId('x:lr')).toBeNull();
    expect(parseColumnId('p:')).toBeNull();
    expect(parseColumnId('lr')).toBeNull();
  });

  it('titles and canonical ids', () => {
    expect(columnTitle({ kind: 'metric', key: 'val_loss', agg: 'min' })).toBe('metrics.val_loss (min)');
    expect(columnTitle({ kind: 'metric', key: 'val_loss', agg: 'last' })).toBe('metrics.val_loss');
    expect(columnTitle({ kind: 'attr', key: 'commit' })).toBe('Git commit');
    expect(canonicalColumnId('t:mlflow.source.git.commit')).toBe('a:commit');
    expect(canonicalColumnId('t:mlflow.source.name')).toBe('a:source');
    expect(canonicalColumnId('t:team')).toBe('t:team');
  });
});

describe('quoting', () => {
  it('quotes keys only when needed', () => {
    expect(quoteKey('val_auc')).toBe('val_auc');
    expect(quoteKey('system/cpu.util-1')).toBe('system/cpu.util-1');
    expect(quoteKey('my key')).toBe('`my key`');
    expect(quoteKey("it's")).toBe("`it's`");
    expect(quoteKey('a`b "c"')).toBe('"a`b \\"c\\""');
  });

  it('escapes values and numbers', () => {
    expect(quoteValue('gbt')).toBe("'gbt'");
    expect(quoteValue("it's")).toBe("'it\\'s'");
    expect(quoteValue('C:\\data')).toBe("'C:\\\\data'");
    expect(numberLiteral(0.5)).toBe('0.5');
    expect(numberLiteral(-0)).toBe('0');
    expect(numberLiteral(1e-7)).toBe('1e-7');
    expect(() => numberLiteral(Number.NaN)).toThrow(RangeError);
    expect(identifier({ entity: 'param', key: 'my key' })).toBe('params.`my key`');
  });

  it('quoted output parses back to the same key and value', () => {
    const nasty = ["it's", 'back\\slash', 'both \\\' mixed', 'quote"d', ''];
    for (const v of nasty) {
      const [c] = parseFilter(`params.\`a b\` = ${quoteValue(v)}`).clauses;
      expect(c?.key).toBe('a b');
      expect(c?.value).toBe(v);
    }
    const [k] = parseFilter(`${identifier({ entity: 'tag', key: 'a`b "c"' })} = 'x'`).clauses;
    expect(k?.key).toBe('a`b "c"');
  });
});

describe('multi-sort', () => {
  it('builds order_by from the leading server-sortable keys', () => {
    expect(planSort([{ col: 'm:val_auc', desc: true }, { col: 'p:lr', desc: false }])).toEqual({ orderBy: ['metrics.val_auc DESC', 'params.lr ASC'], client: false });
    expect(planSort([{ col: 'a:start', desc: true }, { col: 'a:source', desc: false }, { col: 't:my tag', desc: true }])).toEqual({
      orderBy: ['attributes.start_time DESC', 'tags.mlflow.source.name ASC', 'tags.`my tag` DESC'],
      client: false,
    });
    expect(planSort([{ col: 'p:lr', desc: false }, { col: 'm.min:val_loss', desc: false }, { col: 'm:val_auc', desc: true }])).toEqual({ orderBy: ['params.lr ASC'], client: true });
    expect(planSort([{ col: 'a:duration', desc: true }])).toEqual({ orderBy: [], client: true });
    expect(planSort([])).toEqual({ orderBy: [], client: false });
  });

  it('header clicks: plain cycles one key, Shift adds further keys', () => {
    let s: SortKey[] = [];
    s = toggleSort(s, 'm:val_auc', false);
    expect(s).toEqual([{ col: 'm:val_auc', desc: false }]);
    s = toggleSort(s, 'm:val_auc', false);
    expect(s).toEqual([{ col: 'm:val_auc', desc: true }]);
    s = toggleSort(s, 'p:lr', true);
    expect(s).toEqual([
      { col: 'm:val_auc', desc: true },
      { col: 'p:lr', desc: false },
    ]);
    s = toggleSort(s, 'p:lr', true);
    expect(s[1]).toEqual({ col: 'p:lr', desc: true });
    s = toggleSort(s, 't:mlflow.source.name', true);
    expect(s[2]).toEqual({ col: 'a:source', desc: false });
    s = toggleSort(s, 'p:lr', true);
    expect(s).toEqual([
      { col: 'm:val_auc', desc: true },
      { col: 'a:source', desc: false },
    ]);
    expect(toggleSort(s, 'a:source', false)).toEqual([{ col: 'a:source', desc: false }]);
    expect(toggleSort([{ col: 'p:lr', desc: true }], 'p:lr', false)).toEqual([]);
  });

  it('sort URL parameter round-trips (browser-only keys included)', () => {
    const sorts: SortKey[] = [
      { col: 'm:val_auc', desc: true },
      { col: 'p:my, key', desc: false },
      { col: 'm.min:val_loss', desc: false },
      { col: 'a:duration', desc: true },
      { col: 'a:commit', desc: false },
    ];
    const raw = formatSortParam(sorts);
    expect(raw).toBe('metrics.val_auc DESC,params.`my, key` ASC,min(metrics.val_loss) ASC,attributes.duration DESC,tags.mlflow.source.git.commit ASC');
    expect(parseSortParam(raw)).toEqual(sorts);
    // The old single-entry format, default direction, junk and repeats.
    expect(parseSortParam('metrics.val_auc DESC')).toEqual([{ col: 'm:val_auc', desc: true }]);
    expect(parseSortParam('attributes.start_time')).toEqual([{ col: 'a:start', desc: false }]);
    expect(parseSortParam('bogus.x,metrics.a,metrics.a DESC,max(params.lr)')).toEqual([{ col: 'm:a', desc: false }]);
    expect(parseSortParam(undefined)).toEqual([]);
  });

  it('splits on commas outside quotes and parentheses', () => {
    expect(splitTopLevel("a,`b,c`,'d,\\',e',min(x,y)", ',')).toEqual(['a', '`b,c`', "'d,\\',e'", 'min(x,y)']);
  });

  it('sorts by min/max in the browser, missing and non-finite last in both directions', () => {
    const rows = [
      run('a', { start: 1, metrics: { loss: [0.5, 0.2, 0.9] } }),
      run('b', { start: 2, metrics: { loss: [0.4, 0.3, 0.6] } }),
      run('c', { start: 3 }),
      run('d', { start: 4, metrics: { loss: [0.1, null, null] } }),
      run('e', { start: 5, metrics: { loss: [0.7, 0.1, 0.8] } }),
    ];
    expect(ids(sortRows(rows, [{ col: 'm.min:loss', desc: false }]))).toEqual(['e', 'a', 'b', 'd', 'c']);
    expect(ids(sortRows(rows, [{ col: 'm.min:loss', desc: true }]))).toEqual(['b', 'a', 'e', 'd', 'c']);
    expect(ids(sortRows(rows, [{ col: 'm.max:loss', desc: true }]))).toEqual(['a', 'e', 'b', 'd', 'c']);
    // Ties on the first key → second key; no keys → start time DESC.
    const tied = [run('x', { start: 1, params: { m: 'b' }, metrics: { auc: [0.9, 0.1, 0.9] } }), run('y', { start: 2, params: { m: 'a' }, metrics: { auc: [0.8, 0.1, 0.8] } }), run('z', { start: 3, params: { m: 'b' }, metrics: { auc: [0.7, 0.2, 0.7] } })];
    expect(ids(sortRows(tied, [{ col: 'm.min:auc', desc: false }, { col: 'p:m', desc: false }]))).toEqual(['y', 'x', 'z']);
    expect(ids(sortRows(tied, []))).toEqual(['z', 'y', 'x']);
    // Input untouched.
    expect(ids(tied)).toEqual(['x', 'y', 'z']);
  });

  it('sorts by duration and experiment name', () => {
    const rows = [run('a', { start: 0, end: 5000, exp: '2' }), run('b', { start: 0, end: 1000, exp: '1' }), run('c', { start: 100, status: 'RUNNING', exp: '3' })];
    expect(ids(sortRows(rows, [{ col: 'a:duration', desc: true }], { now: 10_100 }))).toEqual(['c', 'a', 'b']);
    expect(ids(sortRows(rows, [{ col: 'a:duration', desc: true }]))).toEqual(['a', 'b', 'c']);
    const names = new Map([
      ['1', 'zeta'],
      ['2', 'alpha'],
      ['3', 'mid'],
    ]);
    expect(ids(sortRows(rows, [{ col: 'a:experiment', desc: false }], { experimentNames: names }))).toEqual(['a', 'c', 'b']);
    expect(cellValue(rows[0] as RunRow, { kind: 'attr', key: 'experiment' }, { experimentNames: names })).toBe('alpha');
  });
});

describe('quick filters', () => {
  const m = { entity: 'metric', key: 'val_auc' } as const;
  const p = { entity: 'param', key: 'model' } as const;

  it('builds clauses', () => {
    expect(quickFilterClauses(m, { kind: 'range', min: 0.8, max: 0.95 })).toEqual(['metrics.val_auc >= 0.8', 'metrics.val_auc <= 0.95']);
    expect(quickFilterClauses(m, { kind: 'range', min: null, max: -1.5 })).toEqual(['metrics.val_auc <= -1.5']);
    expect(quickFilterClauses(p, { kind: 'values', values: ['gbt', "o'neil", 'gbt'] })).toEqual(["params.model IN ('gbt', 'o\\'neil')"]);
    expect(quickFilterClauses(p, { kind: 'values', values: ['gbt'] })).toEqual(["params.model = 'gbt'"]);
    expect(quickFilterClauses({ entity: 'tag', key: 'my tag' }, { kind: 'values', values: ['a', 'b'] })).toEqual(["tags.`my tag` IN ('a', 'b')"]);
    expect(quickFilterClauses(p, { kind: 'values', values: [] })).toEqual([]);
    expect(quickFilterClauses(p, null)).toEqual([]);
  });

  it('replaces only the clauses the funnel manages, keeping the rest verbatim', () => {
    const f = "params.model = 'gbt' AND metrics.val_auc > 0.5 AND metrics.loss < 1 AND metrics.val_auc != 0.7";
    expect(applyQuickFilter(f, m, { kind: 'range', min: 0.8, max: null })).toBe("params.model = 'gbt' AND metrics.loss < 1 AND metrics.val_auc != 0.7 AND metrics.val_auc >= 0.8");
    expect(applyQuickFilter(f, p, { kind: 'values', values: ['gbt', 'logreg'] })).toBe("metrics.val_auc > 0.5 AND metrics.loss < 1 AND metrics.val_auc != 0.7 AND params.model IN ('gbt', 'logreg')");
    expect(applyQuickFilter(f, p, null)).toBe('metrics.val_auc > 0.5 AND metrics.loss < 1 AND metrics.val_auc != 0.7');
    expect(applyQuickFilter('', m, { kind: 'range', min: 1, max: 2 })).toBe('metrics.val_auc >= 1 AND metrics.val_auc <= 2');
    expect(applyQuickFilter("params.model LIKE 'g%'", p, { kind: 'values', values: ['gbt'] })).toBe("params.model LIKE 'g%' AND params.model = 'gbt'");
    expect(() => applyQuickFilter('metrics.x >', m, null)).toThrow(/position 11/);
  });

  it('reads the current state back', () => {
    const f = "metrics.val_auc >= 0.8 AND metrics.val_auc < 0.9 AND params.model IN ('a', 'b') AND params.model = 'c'";
    expect(readQuickFilter(f, m)).toEqual({ kind: 'range', min: 0.8, max: 0.9 });
    expect(readQuickFilter(f, p)).toEqual({ kind: 'values', values: ['a', 'b', 'c'] });
    expect(readQuickFilter(f, { entity: 'param', key: 'lr' })).toBeNull();
    expect(readQuickFilter('not valid (', p)).toBeNull();
    expect(hasQuickFilter(f, m)).toBe(true);
    expect(hasQuickFilter('metrics.val_auc = 1', m)).toBe(false);
    // Round trip through the builder.
    const built = applyQuickFilter('', { entity: 'tag', key: 'a b' }, { kind: 'values', values: ["x'y", 'z\\'] });
    expect(readQuickFilter(built, { entity: 'tag', key: 'a b' })).toEqual({ kind: 'values', values: ["x'y", 'z\\'] });
  });

  it('joins filters and the starred clause', () => {
    expect(andFilters("params.a = 'b'", '', STARRED_CLAUSE)).toBe("params.a = 'b' AND tags.mldesk.starred = 'true'");
    expect(andFilters('  ', '')).toBe('');
    expect(parseFilter(STARRED_CLAUSE).clauses[0]).toMatchObject({ entity: 'tag', key: 'mldesk.starred', value: 'true' });
  });

  it('distinct values and metric ranges', () => {
    const rows = [run('a', { params: { m: 'gbt' }, metrics: { auc: [0.9, 0.1, 0.9] } }), run('b', { params: { m: 'lr' }, metrics: { auc: [null, 0.1, 0.5] } }), run('c', { params: { m: 'gbt' } }), run('d', { params: { m: '10' }, metrics: { auc: [0.7, 0.7, 0.7] } }), run('e', { params: { m: '9' } })];
    expect(distinctValues(rows, { entity: 'param', key: 'm' })).toEqual([
      { value: 'gbt', count: 2 },
      { value: '9', count: 1 },
      { value: '10', count: 1 },
      { value: 'lr', count: 1 },
    ]);
    expect(distinctValues(rows, { entity: 'param', key: 'm' }, 2)).toHaveLength(2);
    expect(metricRange(rows, 'auc')).toEqual({ min: 0.7, max: 0.9, count: 2 });
    expect(metricRange(rows, 'auc', 'max')).toEqual({ min: 0.5, max: 0.9, count: 3 });
    expect(metricRange(rows, 'none')).toBeNull();
  });
});

describe('grouping', () => {
  const rows = [
    run('a', { params: { lr: '0.1' }, metrics: { auc: [0.8, 0.5, 0.8], loss: [0.3, 0.2, 1] } }),
    run('b', { params: { lr: '0.05' }, metrics: { auc: [0.7, 0.5, 0.7] } }),
    run('c', {}),
    run('d', { params: { lr: '0.1' }, metrics: { auc: [0.9, 0.4, 0.9], loss: [null, null, null] } }),
    run('e', { params: { lr: 'auto' }, metrics: { auc: [0.6, 0.6, 0.6] } }),
  ];

  it('groups by key (numbers numerically, text after, missing last) with count, mean, min and max', () => {
    const groups = groupRows(rows, { kind: 'param', key: 'lr' }, ['m:auc', 'm.min:auc', 'm:loss', 'p:lr']);
    expect(groups.map((g) => [g.id, g.value, ids(g.rows)])).toEqual([
      ['v:0.05', '0.05', ['b']],
      ['v:0.1', '0.1', ['a', 'd']],
      ['v:auto', 'auto', ['e']],
      ['none', null, ['c']],
    ]);
    const g = groups[1];
    expect(g?.stats['m:auc']).toEqual({ n: 2, mean: 0.8500000000000001, min: 0.8, max: 0.9 });
    expect(g?.stats['m.min:auc']).toEqual({ n: 2, mean: 0.45, min: 0.4, max: 0.5 });
    expect(g?.stats['m:loss']).toEqual({ n: 1, mean: 0.3, min: 0.3, max: 0.3 });
    expect(g?.stats['p:lr']).toBeUndefined();
    expect(groups[3]?.stats['m:auc']).toEqual({ n: 0, mean: null, min: null, max: null });
  });

  it('flattens with collapsed groups', () => {
    const groups = groupRows(rows, { kind: 'param', key: 'lr' }, []);
    const items = flattenGroups(groups, new Set(['v:0.1', 'none']));
    expect(items.map((i) => (i.kind === 'group' ? `G:${i.group.id}${i.collapsed ? '-' : '+'}` : i.row.info.run_id))).toEqual(['G:v:0.05+', 'b', 'G:v:0.1-', 'G:v:auto+', 'e', 'G:none-']);
  });

  it('group-by parameter', () => {
    expect(formatGroupParam({ kind: 'tag', key: 'mlflow.user' })).toBe('tags.mlflow.user');
    expect(parseGroupParam('tags.mlflow.user')).toEqual({ kind: 'tag', key: 'mlflow.user' });
    expect(parseGroupParam('params.a b')).toEqual({ kind: 'param', key: 'a b' });
    expect(parseGroupParam('attributes.status')).toEqual({ kind: 'attr', key: 'status' });
    expect(parseGroupParam('attributes.start')).toBeNull();
    expect(parseGroupParam('metrics.auc')).toBeNull();
    expect(formatGroupParam({ kind: 'metric', key: 'auc', agg: 'last' })).toBeNull();
  });

  it('compareValues orders numbers numerically, then text', () => {
    expect(['b', '10', '0.05', 'A', '9', '0.1', ''].sort(compareValues)).toEqual(['0.05', '0.1', '9', '10', '', 'A', 'b']);
  });
});

describe('pins, hidden, selection', () => {
  const rows = [run('a'), run('b'), run('c'), run('d')];

  it('arranges rows', () => {
    const r = arrangeRows(rows, new Set(['c', 'a', 'zz']), new Set(['b', 'a']));
    expect(ids(r.pinnedRows)).toEqual(['c']);
    expect(ids(r.rest)).toEqual(['d']);
    expect(r.hiddenCount).toBe(2);
  });

  it('ranges and toggles', () => {
    expect(rangeBetween(['a', 'b', 'c', 'd'], 'd', 'b')).toEqual(['b', 'c', 'd']);
    expect(rangeBetween(['a', 'b'], null, 'b')).toEqual(['b']);
    expect(rangeBetween(['a', 'b'], 'gone', 'a')).toEqual(['a']);
    expect(toggleMany(['x', 'b'], ['a', 'b', 'c'], true)).toEqual(['x', 'b', 'a', 'c']);
    expect(toggleMany(['x', 'b', 'a'], ['a', 'b'], false)).toEqual(['x']);
  });

  it('compare link and experiment ids', () => {
    expect(compareQuery(['1', '3'], ['r1', 'r2'])).toEqual({ exp: '1,3', runs: 'r1,r2' });
    expect(parseExperimentIds(' 1, 3,,1 ')).toEqual(['1', '3']);
    expect(parseExperimentIds(undefined)).toEqual([]);
  });
});

describe('columns and views', () => {
  it('collects keys and builds default columns', () => {
    const rows = [run('a', { params: { lr: '1', b: '2' }, tags: { 'mlflow.user': 'x', team: 'r' }, metrics: { 'system/cpu': [1, 1, 1], loss: [1, 1, 1], auc: [1, 1, 1] } })];
    const keys = collectRowKeys(rows);
    expect(keys).toEqual({ params: ['b', 'lr'], metrics: ['auc', 'loss', 'system/cpu'], tags: ['team', 'mlflow.user'] });
    // One run: nothing differs; metrics by name (same coverage, recency and points), params after start/duration.
    const stats = columnStats(rows, keys);
    expect(stats).toEqual({ differing: [], constant: ['b', 'lr'], metrics: ['auc', 'loss'], usersDiffer: false });
    expect(defaultColumns(stats, false)).toEqual(['a:status', 'm:auc', 'm:loss', 'a:start', 'a:duration', 'p:b', 'p:lr']);
    expect(defaultColumns(stats, true).slice(0, 3)).toEqual(['a:status', 'a:experiment', 'm:auc']);
    expect(moveColumn(['a', 'b', 'c'], 2, 0)).toEqual(['c', 'a', 'b']);
    expect(moveColumn(['a', 'b', 'c'], 0, 5)).toEqual(['a', 'b', 'c']);
  });

  it('default columns: the params that differ between the runs and the primary metrics come first', () => {
    const at = (r: RunRow, m: Record<string, [ts: number, count: number]>) => {
      for (const [k, [timestamp, count]] of Object.entries(m)) r.metrics[k] = { key: k, value: 1, step: 0, timestamp, min: 1, max: 1, count };
      return r;
    };
    const rows = [
      // seed and data are the same everywhere; lr differs; model is missing in one run (differs too).
      at(run('a', { params: { seed: '42', data: 'v1', lr: '0.1', model: 'gbt' } }), { train_loss: [1000, 50], val_loss: [1000, 50], test_auc: [5000, 1], 'system/cpu': [6000, 500] }),
      at(run('b', { params: { seed: '42', data: 'v1', lr: '0.05', model: 'gbt' } }), { train_loss: [2000, 50], val_loss: [2000, 50], test_auc: [9000, 1] }),
      at(run('c', { params: { seed: '42', data: 'v1', lr: '0.05' } }), { train_loss: [3000, 40], val_loss: [3000, 40], only_c: [3000, 5] }),
    ];
    rows[2]!.info.user_id = 'bob';
    const keys = collectRowKeys(rows);
    const stats = columnStats(rows, keys);
    expect(stats.differing).toEqual(['lr', 'model']);
    expect(stats.constant).toEqual(['data', 'seed']);
    expect(stats.usersDiffer).toBe(true);
    // Logged by the most runs first; then "logged last" (test_auc ends runs a and b); then held-out scores before
    // training curves; then most points; system/ never.
    expect(stats.metrics).toEqual(['val_loss', 'train_loss', 'test_auc', 'only_c']);
    expect(defaultColumns(stats, false)).toEqual(['a:status', 'm:val_loss', 'm:train_loss', 'm:test_auc', 'p:lr', 'p:model', 'a:start', 'a:duration', 'a:user', 'p:data', 'p:seed']);
    // Primary metrics chosen for the experiment replace the automatic ones, in their order.
    expect(primaryMetrics(stats, ['test_auc'])).toEqual(['test_auc']);
    expect(defaultColumns(stats, false, ['test_auc', 'only_c']).slice(0, 5)).toEqual(['a:status', 'm:test_auc', 'm:only_c', 'p:lr', 'p:model']);
    // Like the demo: every metric logged together by every run → val_* first, train_* last; params with several
    // values (more runs first) before the ones only some runs have (same value where set).
    const demo = [
      at(run('g1', { params: { model: 'gbt', trees: '60', seed: '1' } }), { train_loss: [1, 6], val_auc: [1, 6], val_accuracy: [1, 6], f1: [1, 6] }),
      at(run('g2', { params: { model: 'gbt', trees: '100', seed: '1' } }), { train_loss: [1, 6], val_auc: [1, 6], val_accuracy: [1, 6], f1: [1, 6] }),
      at(run('l', { params: { model: 'logreg', batch_size: '256', seed: '1' } }), { train_loss: [1, 20], val_auc: [1, 20], val_accuracy: [1, 20], f1: [1, 20] }),
      run('ext', {}),
    ];
    const ds = columnStats(demo, collectRowKeys(demo));
    expect(ds.metrics).toEqual(['val_accuracy', 'val_auc', 'f1', 'train_loss']);
    expect(ds.differing).toEqual(['model', 'trees', 'seed', 'batch_size']);
    // Many differing params: at most DEFAULT_PARAMS of them, and then no constant ones.
    const many = Array.from({ length: 8 }, (_, i) => `p${i}`);
    const wide = [run('x', { params: Object.fromEntries(many.map((k) => [k, '1'])) }), run('y', { params: Object.fromEntries(many.map((k) => [k, '2'])) })];
    const cols = defaultColumns(columnStats(wide, collectRowKeys(wide)), false);
    expect(cols.filter((c) => c.startsWith('p:'))).toEqual(['p:p0', 'p:p1', 'p:p2', 'p:p3', 'p:p4', 'p:p5']);
  });

  it('places primary metrics first among chosen columns; picks the runs whose colours must differ', () => {
    expect(placePrimary(['a:status', 'a:experiment', 'p:lr', 'm:loss', 'm:auc'], ['auc', 'f1'])).toEqual(['a:status', 'a:experiment', 'm:auc', 'm:f1', 'p:lr', 'm:loss']);
    expect(placePrimary(['p:lr'], ['auc'])).toEqual(['m:auc', 'p:lr']);
    const order = Array.from({ length: 30 }, (_, i) => `r${i}`);
    expect(colorViewIds(order.slice(0, 5), [], [], 20)).toEqual(order.slice(0, 5));
    expect(colorViewIds(order, ['r9', 'r2'], ['r20'], 20)).toEqual(['r2', 'r9', 'r20']);
  });

  it('validates saved view state', () => {
    expect(parseViewState(null)).toEqual({
      version: 1,
      columns: null,
      widths: {},
      sort: '',
      filter: '',
      group: '',
      collapsed: [],
      selection: [],
      pinned: [],
      hidden: [],
      colors: {},
      primary: [],
      starredOnly: false,
      viewType: 'active',
    });
    const v = parseViewState({
      columns: ['a:status', 'bogus', 'm.min:loss', 3],
      widths: { 'p:lr': 120, 'p:x': 'wide', 'p:y': 5 },
      sort: 'metrics.auc DESC',
      filter: "params.a = 'b'",
      group: 'params.lr',
      selection: ['r1', 2],
      pinned: ['r2'],
      hidden: 'r3',
      colors: { r1: '#e15759', r2: 'red' },
      primary: ['auc', 7],
      starredOnly: 'yes',
      viewType: 'deleted',
    });
    expect(v).toEqual({
      version: 1,
      columns: ['a:status', 'm.min:loss'],
      widths: { 'p:lr': 120 },
      sort: 'metrics.auc DESC',
      filter: "params.a = 'b'",
      group: 'params.lr',
      collapsed: [],
      selection: ['r1'],
      pinned: ['r2'],
      hidden: [],
      colors: { r1: '#e15759' },
      primary: ['auc'],
      starredOnly: false,
      viewType: 'deleted',
    });
  });
});
