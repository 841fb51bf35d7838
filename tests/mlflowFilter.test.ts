import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import {
  FilterSyntaxError,
  parseFilter,
  parseModelFilter,
  parseModelOrderBy,
  parseOrderBy,
  tokenizeFilter,
  type FilterClause,
} from '../shared/lib/mlflowFilter';
import {
  compileModelVersionSearch,
  compileRegisteredModelSearch,
  compileRunSearch,
  likeToEscapedLike,
  likeToGlob,
  type ViewType,
} from '../electron/core/tracking/searchSql';
import { migrate, migrations } from '../electron/core/store';

/** The single clause of `src`, without its span. */
function one(src: string): Omit<FilterClause, 'span'> {
  const { clauses } = parseFilter(src);
  expect(clauses).toHaveLength(1);
  const { span: _span, ...rest } = clauses[0]!;
  return rest;
}

/** The FilterSyntaxError `fn` throws. */
function syntaxError(fn: () => unknown): FilterSyntaxError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(FilterSyntaxError);
    return e as FilterSyntaxError;
  }
  throw new Error('expected a FilterSyntaxError');
}

function filterError(src: string) {
  const e = syntaxError(() => parseFilter(src));
  return { position: e.position, length: e.length, message: e.message };
}

describe('parseFilter: comparisons', () => {
  it('returns no clauses for an empty or blank filter', () => {
    expect(parseFilter('')).toEqual({ clauses: [] });
    expect(parseFilter('   \n\t ')).toEqual({ clauses: [] });
  });

  it('parses every numeric operator on metrics', () => {
    for (const op of ['=', '!=', '<', '>', '<=', '>='] as const) {
      expect(one(`metrics.acc ${op} 0.5`)).toEqual({ entity: 'metric', key: 'acc', op, value: 0.5 });
    }
    expect(one('metrics.acc>=0.5')).toEqual({ entity: 'metric', key: 'acc', op: '>=', value: 0.5 });
  });

  it('parses string operators, IN lists and null checks', () => {
    expect(one("params.model = 'cnn'")).toEqual({ entity: 'param', key: 'model', op: '=', value: 'cnn' });
    expect(one("params.model != 'cnn'")).toEqual({ entity: 'param', key: 'model', op: '!=', value: 'cnn' });
    expect(one("tags.team like 'vis%'")).toEqual({ entity: 'tag', key: 'team', op: 'LIKE', value: 'vis%' });
    expect(one("tags.team ILike '%VIS%'")).toEqual({ entity: 'tag', key: 'team', op: 'ILIKE', value: '%VIS%' });
    expect(one("attributes.run_id IN ('a', \"b\",'c')")).toEqual({ entity: 'attribute', key: 'run_id', op: 'IN', value: ['a', 'b', 'c'] });
    expect(one("tags.team not in ('x')")).toEqual({ entity: 'tag', key: 'team', op: 'NOT IN', value: ['x'] });
    expect(one('params.lr IS NULL')).toEqual({ entity: 'param', key: 'lr', op: 'IS NULL', value: null });
    expect(one('metrics.loss is not null')).toEqual({ entity: 'metric', key: 'loss', op: 'IS NOT NULL', value: null });
    expect(one('attributes.end_time IS NULL')).toEqual({ entity: 'attribute', key: 'end_time', op: 'IS NULL', value: null });
    expect(one("datasets.context IN ('train','eval')")).toEqual({ entity: 'dataset', key: 'context', op: 'IN', value: ['train', 'eval'] });
  });

  it('accepts every entity alias', () => {
    const entity = (src: string) => parseFilter(src).clauses[0]!.entity;
    for (const p of ['metric', 'metrics']) expect(entity(`${p}.a > 1`)).toBe('metric');
    for (const p of ['param', 'params', 'parameter', 'parameters']) expect(entity(`${p}.a = 'x'`)).toBe('param');
    for (const p of ['tag', 'tags']) expect(entity(`${p}.a = 'x'`)).toBe('tag');
    for (const p of ['attribute', 'attributes', 'attr', 'run']) expect(entity(`${p}.status = 'x'`)).toBe('attribute');
    for (const p of ['dataset', 'datasets']) expect(entity(`${p}.name = 'x'`)).toBe('dataset');
    expect(entity('Metrics.a > 1')).toBe('metric');
    expect(entity("`params`.a = 'x'")).toBe('param');
  });

  it('normalises attribute names and aliases', () => {
    const key = (src: string) => parseFilter(src).clauses[0]!.key;
    expect(key('attributes.created > 5')).toBe('start_time');
    expect(key('attributes.Created > 5')).toBe('start_time');
    expect(key("attributes.run_uuid = 'x'")).toBe('run_id');
    expect(key('attributes.`Run Name` = \'x\'')).toBe('run_name');
    expect(key("status = 'FAILED'")).toBe('status'); // a bare name is an attribute, as in MLflow
    expect(key("run_name = 'x'")).toBe('run_name');
    expect(key("attr.user_id = 'x'")).toBe('user_id');
    expect(key("attributes.artifact_uri LIKE 's3://%'")).toBe('artifact_uri');
    expect(key("datasets.DIGEST = 'x'")).toBe('digest');
  });

  it('supports bare, backticked and double-quoted keys', () => {
    expect(one('metrics.val_loss-2/x.y < 1').key).toBe('val_loss-2/x.y');
    expect(one('metrics.`val loss` < 1').key).toBe('val loss');
    expect(one('metrics."val loss" < 1').key).toBe('val loss');
    expect(one("tags.`mlflow.runName` = 'x'").key).toBe('mlflow.runName');
    expect(one("tags.\"it's\" = 'x'").key).toBe("it's");
    expect(one('`metrics`.`a b` < 1')).toEqual({ entity: 'metric', key: 'a b', op: '<', value: 1 });
    expect(one('metrics.`a``b` < 1').key).toBe('a`b');
  });

  it('parses numbers: integers, decimals, exponents, signs', () => {
    const v = (n: string) => one(`metrics.x > ${n}`).value;
    expect(v('1')).toBe(1);
    expect(v('-2')).toBe(-2);
    expect(v('+3')).toBe(3);
    expect(v('.5')).toBe(0.5);
    expect(v('5.')).toBe(5);
    expect(v('1e-3')).toBe(0.001);
    expect(v('-1.5E+2')).toBe(-150);
    expect(one('metrics.x>-2').value).toBe(-2);
    expect(one('attributes.start_time >= 1700000000000').value).toBe(1700000000000);
  });

  it('parses quoted strings with either quote and escapes', () => {
    expect(one(`params.a = "dq"`).value).toBe('dq');
    expect(one(`params.a = 'it''s'`).value).toBe("it's");
    expect(one(`params.a = 'it\\'s'`).value).toBe("it's");
    expect(one(`params.a = "say \\"hi\\""`).value).toBe('say "hi"');
    expect(one(`params.a = 'back\\\\slash'`).value).toBe('back\\slash');
    expect(one(`params.a LIKE '100\\%'`).value).toBe('100\\%'); // other escapes are kept for LIKE
    expect(one(`params.a = ''`).value).toBe('');
    expect(one(`params.a = 'with AND inside'`).value).toBe('with AND inside');
  });

  it('joins comparisons with AND, case-insensitively, and records spans', () => {
    const src = "metrics.acc > 0.9 AND params.lr = '0.1' and tags.x IS NULL aNd attributes.run_id IN ('a')";
    const { clauses } = parseFilter(src);
    expect(clauses.map((c) => c.entity)).toEqual(['metric', 'param', 'tag', 'attribute']);
    expect(clauses.map((c) => src.slice(c.span.start, c.span.end))).toEqual([
      'metrics.acc > 0.9',
      "params.lr = '0.1'",
      'tags.x IS NULL',
      "attributes.run_id IN ('a')",
    ]);
    expect(parseFilter("params.a = 'x'AND params.b = 'y'").clauses).toHaveLength(2);
  });

  it('tokenizes with positions', () => {
    expect(tokenizeFilter("metrics.`a b` >= -1 AND p IN ('x')").map((t) => [t.type, t.start, t.end])).toEqual([
      ['word', 0, 8],
      ['backtick', 8, 13],
      ['op', 14, 16],
      ['number', 17, 19],
      ['word', 20, 23],
      ['word', 24, 25],
      ['word', 26, 28],
      ['lparen', 29, 30],
      ['string', 30, 33],
      ['rparen', 33, 34],
      ['eof', 34, 34],
    ]);
  });
});

describe('parseFilter: errors carry positions', () => {
  it('missing value at the end', () => {
    expect(filterError('metrics.acc >')).toEqual({
      position: 13,
      length: 0,
      message: 'Invalid filter at position 13: expected a number for metric "acc", got end of input',
    });
    expect(filterError('metrics.acc >   ').position).toBe(16);
  });

  it('missing or unknown operator', () => {
    expect(filterError('metrics.acc')).toMatchObject({ position: 11, length: 0 });
    expect(filterError('metrics.acc foo 1')).toEqual({
      position: 12,
      length: 3,
      message: 'Invalid filter at position 12: expected a comparison operator (=, !=, <, >, <=, >=, IS NULL, IS NOT NULL), got "foo"',
    });
    expect(filterError("params.a foo 'x'").message).toBe(
      'Invalid filter at position 9: expected a comparison operator (=, !=, LIKE, ILIKE, IN, NOT IN, IS NULL, IS NOT NULL), got "foo"',
    );
    expect(filterError('metrics.a == 1')).toMatchObject({ position: 10, length: 2 });
    expect(filterError('metrics.a == 1').message).toContain('unknown operator "==" (use =)');
    expect(filterError("params.a <> 'x'").message).toContain('(use !=)');
    expect(filterError("params.a NOT LIKE 'x'")).toMatchObject({ position: 13, length: 4 });
    expect(filterError('params.a IS 1')).toMatchObject({ position: 12, length: 1 });
    expect(filterError('params.a IS NOT')).toMatchObject({ position: 15, length: 0 });
  });

  it('operator not allowed for the field', () => {
    const e = filterError("metrics.acc LIKE '%x'");
    expect(e).toMatchObject({ position: 12, length: 4 });
    expect(e.message).toBe('Invalid filter at position 12: operator LIKE is not supported for metric "acc"; expected one of =, !=, <, >, <=, >=, IS NULL, IS NOT NULL');
    expect(filterError("params.lr > '1'")).toMatchObject({ position: 10, length: 1 });
    expect(filterError("attributes.start_time IN ('1')")).toMatchObject({ position: 22, length: 2 });
    expect(filterError("attributes.status < 'x'")).toMatchObject({ position: 18, length: 1 });
    expect(filterError('datasets.name IS NULL')).toMatchObject({ position: 14, length: 7 });
    expect(filterError("metrics.a NOT IN ('1')")).toMatchObject({ position: 10, length: 6 });
  });

  it('value of the wrong type', () => {
    expect(filterError("metrics.acc > 'x'")).toEqual({
      position: 14,
      length: 3,
      message: `Invalid filter at position 14: expected a number for metric "acc", got 'x'`,
    });
    expect(filterError('params.lr = 0.1')).toEqual({
      position: 12,
      length: 3,
      message: `Invalid filter at position 12: expected a quoted string for param "lr", got "0.1" (string values must be quoted, e.g. '0.1')`,
    });
    expect(filterError('tags.x = abc')).toMatchObject({ position: 9, length: 3 });
    expect(filterError('attributes.start_time > "5"')).toMatchObject({ position: 24, length: 3 });
    expect(filterError('attributes.status = 1')).toMatchObject({ position: 20, length: 1 });
    expect(filterError('metrics.x > `5`')).toMatchObject({ position: 12, length: 3 });
  });

  it('unknown entity, attribute or dataset field', () => {
    expect(filterError('foo.bar = 1')).toEqual({
      position: 0,
      length: 3,
      message: 'Invalid filter at position 0: unknown entity "foo"; expected one of metrics, params, tags, attributes, datasets',
    });
    expect(filterError("metrics.a > 1 AND foo.bar = 'x'")).toMatchObject({ position: 18, length: 3 });
    expect(filterError("attributes.colour = 'x'")).toMatchObject({ position: 11, length: 6 });
    expect(filterError("attributes.colour = 'x'").message).toContain('unknown attribute "colour"');
    expect(filterError("attributes.lifecycle_stage = 'x'").position).toBe(11);
    expect(filterError("colour = 'x'")).toMatchObject({ position: 0, length: 6 });
    expect(filterError("datasets.size = 'x'")).toMatchObject({ position: 9, length: 4 });
  });

  it('OR is rejected', () => {
    expect(filterError('metrics.a = 1 OR metrics.b = 2')).toEqual({
      position: 14,
      length: 2,
      message: 'Invalid filter at position 14: OR is not supported: MLflow filters can only combine comparisons with AND',
    });
    expect(filterError('metrics.a = 1 or metrics.b = 2').position).toBe(14);
  });

  it('unterminated strings and quoted keys', () => {
    expect(filterError("params.a = 'abc")).toEqual({
      position: 11,
      length: 4,
      message: "Invalid filter at position 11: unterminated string (missing closing ')",
    });
    expect(filterError('params.a = "abc\\"')).toMatchObject({ position: 11, length: 6 });
    expect(filterError('metrics.`val loss < 1')).toMatchObject({ position: 8, length: 13 });
    expect(syntaxError(() => parseFilter("params.a = 'abc")).expected).toBe("'");
  });

  it('structural errors', () => {
    expect(filterError("metrics.a > 1 metrics.b > 2")).toMatchObject({ position: 14, length: 9 });
    expect(filterError("metrics.a > 1 metrics.b > 2").message).toContain('expected AND or the end of the filter, got "metrics.b"');
    expect(filterError('metrics.a > 1 AND')).toMatchObject({ position: 17, length: 0 });
    expect(filterError('AND metrics.a > 1')).toMatchObject({ position: 0, length: 3 });
    expect(filterError('(metrics.a > 1)')).toMatchObject({ position: 0, length: 1 });
    expect(filterError('metrics.a > 1;')).toMatchObject({ position: 13, length: 1 });
    expect(filterError('metrics.a > 1;').message).toContain('unexpected character ";"');
    expect(filterError('metrics. > 1')).toMatchObject({ position: 8 });
    expect(filterError('metrics.`` > 1').message).toContain('must not be empty');
    expect(filterError("metrics.'a' > 1").position).toBe(8);
    expect(filterError('metrics.a > 1abc')).toMatchObject({ position: 12, length: 4 });
  });

  it('IN list errors', () => {
    expect(filterError("params.a IN 'x'")).toMatchObject({ position: 12, length: 3 });
    expect(filterError('params.a IN ()')).toMatchObject({ position: 12, length: 2 });
    expect(filterError('params.a IN ()').message).toContain('the IN list must not be empty');
    expect(filterError("params.a IN ('x', 1)")).toMatchObject({ position: 18, length: 1 });
    expect(filterError("params.a IN ('x' 'y')")).toMatchObject({ position: 17, length: 3 });
    expect(filterError("params.a IN ('x',")).toMatchObject({ position: 17, length: 0 });
    expect(filterError("params.a NOT ('x')")).toMatchObject({ position: 13, length: 1 });
  });
});

describe('parseOrderBy', () => {
  it('parses entities, quoting and directions (default ascending)', () => {
    expect(parseOrderBy(['metrics.rmse DESC', 'attributes.start_time ASC', 'params.lr', 'metrics.`val loss`', 'tags."a b" desc', 'created', 'attr.run_uuid'])).toEqual([
      { entity: 'metric', key: 'rmse', ascending: false },
      { entity: 'attribute', key: 'start_time', ascending: true },
      { entity: 'param', key: 'lr', ascending: true },
      { entity: 'metric', key: 'val loss', ascending: true },
      { entity: 'tag', key: 'a b', ascending: false },
      { entity: 'attribute', key: 'start_time', ascending: true },
      { entity: 'attribute', key: 'run_id', ascending: true },
    ]);
    expect(parseOrderBy([])).toEqual([]);
  });

  it('reports errors with the entry index and a position inside the entry', () => {
    const e = syntaxError(() => parseOrderBy(['metrics.a', 'metrics.rmse DOWN']));
    expect(e).toMatchObject({ item: 1, position: 13, length: 4 });
    expect(e.message).toBe('Invalid order_by entry 1 at position 13: expected ASC, DESC or the end of the order_by entry, got "DOWN"');
    expect(syntaxError(() => parseOrderBy(['foo.x']))).toMatchObject({ item: 0, position: 0, length: 3 });
    expect(syntaxError(() => parseOrderBy(['attributes.colour']))).toMatchObject({ position: 11, length: 6 });
    expect(syntaxError(() => parseOrderBy(['datasets.name']))).toMatchObject({ position: 0 });
    expect(syntaxError(() => parseOrderBy(['metrics.a ASC DESC']))).toMatchObject({ position: 14, length: 4 });
    expect(syntaxError(() => parseOrderBy(['']))).toMatchObject({ item: 0, position: 0 });
  });
});

describe('parseModelFilter / parseModelOrderBy', () => {
  it('parses registry filters with bare attributes', () => {
    expect(parseModelFilter("name LIKE 'a%'", 'registered_models').clauses.map(({ span: _s, ...c }) => c)).toEqual([
      { entity: 'attribute', key: 'name', op: 'LIKE', value: 'a%' },
    ]);
    expect(parseModelFilter("name='m'").clauses[0]).toMatchObject({ entity: 'attribute', key: 'name', op: '=', value: 'm' });
    expect(parseModelFilter("run_id = 'abc'").clauses[0]).toMatchObject({ key: 'run_id', value: 'abc' });
    expect(parseModelFilter("run_id IN ('a','b') AND tags.`k 1` = 'v'").clauses.map(({ span: _s, ...c }) => c)).toEqual([
      { entity: 'attribute', key: 'run_id', op: 'IN', value: ['a', 'b'] },
      { entity: 'tag', key: 'k 1', op: '=', value: 'v' },
    ]);
    expect(parseModelFilter('version_number >= 2').clauses[0]).toMatchObject({ key: 'version_number', op: '>=', value: 2 });
    expect(parseModelFilter("source_path LIKE 'runs:/%'").clauses[0]).toMatchObject({ key: 'source_path', op: 'LIKE' });
    expect(parseModelFilter("attributes.name ILIKE '%X%'").clauses[0]).toMatchObject({ key: 'name', op: 'ILIKE' });
  });

  it('rejects fields the target does not have', () => {
    expect(syntaxError(() => parseModelFilter("run_id = 'x'", 'registered_models'))).toMatchObject({ position: 0, length: 6 });
    expect(syntaxError(() => parseModelFilter('metrics.a > 1'))).toMatchObject({ position: 0, length: 7 });
    expect(syntaxError(() => parseModelFilter("version_number = '2'"))).toMatchObject({ position: 17, length: 3 });
    expect(syntaxError(() => parseModelFilter("name > 'a'"))).toMatchObject({ position: 5, length: 1 });
  });

  it('parses registry order_by', () => {
    expect(parseModelOrderBy(['name', 'timestamp DESC', 'last_updated_timestamp asc', 'version_number DESC'])).toEqual([
      { key: 'name', ascending: true },
      { key: 'creation_timestamp', ascending: false },
      { key: 'last_updated_timestamp', ascending: true },
      { key: 'version_number', ascending: false },
    ]);
    expect(syntaxError(() => parseModelOrderBy(['version_number'], 'registered_models'))).toMatchObject({ position: 0, length: 14 });
  });
});

describe('LIKE pattern translation', () => {
  it('maps wildcards and escapes GLOB/LIKE metacharacters', () => {
    expect(likeToGlob('a%b_c')).toBe('a*b?c');
    expect(likeToGlob('*?[x]')).toBe('[*][?][[]x]');
    expect(likeToGlob('100\\%')).toBe('100%');
    expect(likeToGlob('a\\_b\\\\')).toBe('a_b\\');
    expect(likeToGlob('end\\')).toBe('end\\');
    expect(likeToEscapedLike('a%b_c')).toBe('a%b_c');
    expect(likeToEscapedLike('100\\%')).toBe('100\\%');
    expect(likeToEscapedLike('end\\')).toBe('end\\\\');
  });
});

// ---------------------------------------------------------------------------------------------------------------
// SQL against a real SQLite database with the tracking schema

describe('compileRunSearch on SQLite', () => {
  let db: Database.Database;

  beforeAll(() => {
    db = new Database(':memory:');
    migrate(db, migrations);
    db.prepare("INSERT INTO experiments (experiment_id, name, artifact_location) VALUES (1, 'exp1', 'a'), (2, 'exp2', 'b')").run();
    const run = db.prepare(
      'INSERT INTO runs (run_uuid, experiment_id, name, user_id, status, start_time, end_time, lifecycle_stage, artifact_uri) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
    );
    const metric = db.prepare(
      'INSERT INTO latest_metrics (run_uuid, key, value, timestamp, step, is_nan, min_value, max_value, count) VALUES (?, ?, ?, 0, 0, ?, ?, ?, 1)',
    );
    const param = db.prepare('INSERT INTO params (run_uuid, key, value) VALUES (?, ?, ?)');
    const tag = db.prepare('INSERT INTO tags (run_uuid, key, value) VALUES (?, ?, ?)');
    type Seed = [id: string, exp: number, name: string, user: string, status: string, start: number, end: number | null, stage: string];
    const runs: Seed[] = [
      ['r01', 1, 'alpha', 'ann', 'FINISHED', 1000, 2000, 'active'],
      ['r02', 1, 'beta', 'bob', 'FINISHED', 2000, 3000, 'active'],
      ['r03', 1, 'Gamma', 'ann', 'FAILED', 3000, 3500, 'active'],
      ['r04', 1, 'delta', 'cat', 'RUNNING', 4000, null, 'active'],
      ['r05', 1, 'epsilon', 'bob', 'FINISHED', 5000, 6000, 'active'],
      ['r06', 1, 'zeta', 'ann', 'KILLED', 6000, 6100, 'active'],
      ['r07', 1, 'eta', 'dan', 'FINISHED', 6000, 7000, 'active'],
      ['r08', 1, 'theta', 'eve', 'FINISHED', 8000, 8100, 'deleted'],
      ['r09', 2, 'iota', 'ann', 'FINISHED', 9000, 9100, 'active'],
      ['r10', 1, 'kappa', 'ann', 'FINISHED', 10000, 11000, 'active'],
    ];
    for (const [id, exp, name, user, status, start, end, stage] of runs) run.run(id, exp, name, user, status, start, end, stage, `file:///a/${id}`);
    // NaN is stored as value NULL + is_nan 1 (SQLite turns a bound NaN into NULL anyway).
    const metrics: Array<[string, string, number]> = [
      ['r01', 'acc', 0.9],
      ['r02', 'acc', 0.8],
      ['r03', 'acc', NaN],
      ['r05', 'acc', 0.8],
      ['r06', 'acc', 0.95],
      ['r07', 'acc', 0.7],
      ['r08', 'acc', 0.99],
      ['r09', 'acc', 0.5],
      ['r10', 'acc', -1],
      ['r01', 'loss', 0.3],
      ['r02', 'loss', NaN],
      ['r03', 'loss', 0.5],
      ['r04', 'loss', 0.2],
      ['r05', 'loss', 0.4],
      ['r07', 'loss', 0.6],
      ['r06', 'val loss', 0.1],
    ];
    for (const [id, key, v] of metrics) {
      const nan = Number.isNaN(v);
      metric.run(id, key, nan ? null : v, nan ? 1 : 0, nan ? null : v, nan ? null : v);
    }
    const params: Array<[string, string, string]> = [
      ['r01', 'lr', '0.01'],
      ['r02', 'lr', '0.001'],
      ['r03', 'lr', '0.01'],
      ['r04', 'lr', '0.1'],
      ['r05', 'lr', '0.001'],
      ['r06', 'lr', '1e-3'],
      ['r01', 'model', 'GPT-2'],
      ['r02', 'model', 'GPT-3'],
      ['r03', 'model', 'gpt-4'],
      ['r04', 'model', 'bert'],
      ['r05', 'model', 'GPT-3.5'],
    ];
    for (const p of params) param.run(...p);
    const tags: Array<[string, string, string]> = [
      ['r01', 'team', 'Vision'],
      ['r02', 'team', 'vision'],
      ['r03', 'team', 'nlp'],
      ['r04', 'team', 'NLP'],
      ['r06', 'team', 'vision'],
      ['r01', 'note', 'aXb'],
      ['r04', 'note', 'a*b'],
      ['r05', 'pct', '100%'],
      ['r07', 'pct', '1000'],
    ];
    for (const t of tags) tag.run(...t);
    db.prepare(
      "INSERT INTO datasets (dataset_uuid, experiment_id, name, digest, source_type, source) VALUES ('d1', 1, 'mnist', 'abc123', 'local', 's'), ('d2', 1, 'cifar', 'def456', 'local', 's')",
    ).run();
    const input = db.prepare('INSERT INTO run_inputs (run_uuid, dataset_uuid, tags) VALUES (?, ?, ?)');
    const ctx = (v: string) => JSON.stringify([{ key: 'mlflow.data.context', value: v }]);
    input.run('r01', 'd1', ctx('training'));
    input.run('r02', 'd2', ctx('eval'));
    input.run('r10', 'd1', ctx('eval'));
    input.run('r10', 'd2', '[]');
  });
  afterAll(() => db.close());

  function search(filter: string, orderBy: string[] = [], o: { viewType?: ViewType; experimentIds?: number[]; limit?: number; offset?: number } = {}): string[] {
    const q = compileRunSearch({
      experimentIds: o.experimentIds ?? [1],
      filter: parseFilter(filter),
      orderBy: parseOrderBy(orderBy),
      viewType: o.viewType ?? 'ACTIVE_ONLY',
      limit: o.limit ?? 1000,
      offset: o.offset ?? 0,
    });
    return db.prepare(q.sql).pluck().all(...q.params) as string[];
  }

  it('binds every value as a parameter', () => {
    const q = compileRunSearch({
      experimentIds: [1],
      filter: parseFilter("params.model = 'x''; DROP TABLE runs; --' AND metrics.acc > 0.5"),
      orderBy: parseOrderBy(['metrics.`a b` DESC']),
      viewType: 'ACTIVE_ONLY',
      limit: 10,
      offset: 0,
    });
    expect(q.sql).not.toContain('DROP');
    expect(q.sql).not.toContain('a b');
    expect(q.params).toEqual(['a b', 1, 'active', 'model', "x'; DROP TABLE runs; --", 'acc', 0.5, 10, 0]);
  });

  it('defaults to start_time DESC then run_uuid ASC, within view type and experiments', () => {
    expect(search('')).toEqual(['r10', 'r06', 'r07', 'r05', 'r04', 'r03', 'r02', 'r01']);
    expect(search('', [], { viewType: 'DELETED_ONLY' })).toEqual(['r08']);
    expect(search('', [], { viewType: 'ALL', experimentIds: [1, 2] })).toEqual(['r10', 'r09', 'r08', 'r06', 'r07', 'r05', 'r04', 'r03', 'r02', 'r01']);
    expect(search('', [], { experimentIds: [] })).toEqual([]);
    expect(search('', [], { limit: 3, offset: 2 })).toEqual(['r07', 'r05', 'r04']);
  });

  it('filters metrics on the latest value, skipping NaN and missing', () => {
    expect(search('metrics.acc > 0.75')).toEqual(['r06', 'r05', 'r02', 'r01']);
    expect(search('metrics.acc != 0.8')).toEqual(['r10', 'r06', 'r07', 'r01']);
    expect(search('metrics.acc = 0.8')).toEqual(['r05', 'r02']);
    expect(search('metrics.acc <= -1')).toEqual(['r10']);
    expect(search('metrics.loss IS NOT NULL')).toEqual(['r07', 'r05', 'r04', 'r03', 'r02', 'r01']);
    expect(search('metrics.acc IS NULL')).toEqual(['r04']);
    expect(search('metrics."val loss" < 1')).toEqual(['r06']);
  });

  it('LIKE is case-sensitive with literal GLOB metacharacters; ILIKE is not', () => {
    expect(search("params.model LIKE 'GPT%'")).toEqual(['r05', 'r02', 'r01']);
    expect(search("params.model LIKE 'GPT-_'")).toEqual(['r02', 'r01']);
    expect(search("params.model ILIKE 'gpt%'")).toEqual(['r05', 'r03', 'r02', 'r01']);
    expect(search("params.model ILIKE 'GPT-_'")).toEqual(['r03', 'r02', 'r01']);
    expect(search("tags.note LIKE 'a*b'")).toEqual(['r04']);
    expect(search("tags.note LIKE 'a_b'")).toEqual(['r04', 'r01']);
    expect(search("tags.pct ILIKE '100%'")).toEqual(['r07', 'r05']);
    expect(search("tags.pct ILIKE '100\\%'")).toEqual(['r05']);
    expect(search("tags.pct LIKE '100\\%'")).toEqual(['r05']);
    expect(search("attributes.run_name LIKE 'gam%'")).toEqual([]);
    expect(search("attributes.run_name ILIKE 'gam%'")).toEqual(['r03']);
  });

  it('= and != on strings are exact; IN / NOT IN need the key to exist', () => {
    expect(search("tags.team = 'vision'")).toEqual(['r06', 'r02']);
    expect(search("tags.team != 'vision'")).toEqual(['r04', 'r03', 'r01']);
    expect(search("tags.team IN ('vision', 'nlp')")).toEqual(['r06', 'r03', 'r02']);
    expect(search("tags.team NOT IN ('vision')")).toEqual(['r04', 'r03', 'r01']);
    expect(search("attributes.run_id IN ('r01', 'r03', 'r08')")).toEqual(['r03', 'r01']);
    expect(search("attributes.status NOT IN ('FINISHED', 'RUNNING')")).toEqual(['r06', 'r03']);
  });

  it('IS NULL means the run lacks the key; attribute IS NULL checks the column', () => {
    expect(search('params.model IS NULL')).toEqual(['r10', 'r06', 'r07']);
    expect(search('tags.team IS NOT NULL')).toEqual(['r06', 'r04', 'r03', 'r02', 'r01']);
    expect(search('attributes.end_time IS NULL')).toEqual(['r04']);
  });

  it('combines attribute, param and numeric-attribute clauses with AND', () => {
    expect(search("attributes.status = 'FINISHED' AND params.lr = '0.001'")).toEqual(['r05', 'r02']);
    expect(search("attributes.start_time >= 5000 AND attributes.run_name != 'zeta'")).toEqual(['r10', 'r07', 'r05']);
    expect(search('attributes.created < 3000')).toEqual(['r02', 'r01']);
    expect(search('attributes.end_time > 0')).not.toContain('r04'); // NULL end_time never matches
    expect(search("attributes.user_id = 'ann' AND metrics.acc >= 0.9")).toEqual(['r06', 'r01']);
  });

  it('filters on dataset name, digest and context', () => {
    expect(search("datasets.name = 'mnist'")).toEqual(['r10', 'r01']);
    expect(search("datasets.digest LIKE 'def%'")).toEqual(['r10', 'r02']);
    expect(search("datasets.context = 'eval'")).toEqual(['r10', 'r02']);
    expect(search("datasets.context IN ('training')")).toEqual(['r01']);
    expect(search("datasets.name != 'mnist'")).toEqual(['r10', 'r02']);
  });

  it('orders by a metric: numbers, then NaN, then missing, in either direction, ties by start_time DESC', () => {
    expect(search('', ['metrics.acc DESC'])).toEqual(['r06', 'r01', 'r05', 'r02', 'r07', 'r10', 'r03', 'r04']);
    expect(search('', ['metrics.acc ASC'])).toEqual(['r10', 'r07', 'r05', 'r02', 'r01', 'r06', 'r03', 'r04']);
    expect(search('', ['metrics.loss'])).toEqual(['r04', 'r01', 'r05', 'r03', 'r07', 'r02', 'r10', 'r06']);
    expect(search('', ['metrics.`val loss` DESC'])).toEqual(['r06', 'r10', 'r07', 'r05', 'r04', 'r03', 'r02', 'r01']);
  });

  it('orders by params/tags as strings with missing last, by attributes, and by several keys', () => {
    expect(search('', ['params.lr ASC'])).toEqual(['r05', 'r02', 'r03', 'r01', 'r04', 'r06', 'r10', 'r07']);
    expect(search('', ['params.lr DESC'])).toEqual(['r06', 'r04', 'r03', 'r01', 'r05', 'r02', 'r10', 'r07']);
    expect(search('', ['attributes.start_time ASC'])).toEqual(['r01', 'r02', 'r03', 'r04', 'r05', 'r06', 'r07', 'r10']);
    expect(search('', ['attributes.end_time DESC'])).toEqual(['r10', 'r07', 'r06', 'r05', 'r03', 'r02', 'r01', 'r04']);
    expect(search('', ['attributes.run_name'])).toEqual(['r03', 'r01', 'r02', 'r04', 'r05', 'r07', 'r10', 'r06']);
    expect(search('', ['tags.team DESC', 'metrics.acc ASC'])).toEqual(['r02', 'r06', 'r03', 'r01', 'r04', 'r10', 'r07', 'r05']);
    expect(search("attributes.user_id = 'ann'", ['attributes.status', 'created DESC'])).toEqual(['r03', 'r10', 'r01', 'r06']);
  });
});

describe('compileRegisteredModelSearch / compileModelVersionSearch on SQLite', () => {
  let db: Database.Database;
  beforeAll(() => {
    db = new Database(':memory:');
    migrate(db, migrations);
    db.exec(`
      INSERT INTO registered_models (name, creation_time, last_updated_time) VALUES ('alpha-model', 100, 500), ('Beta', 200, 300), ('gamma', 300, 400);
      INSERT INTO registered_model_tags (name, key, value) VALUES ('alpha-model', 'team', 'vision'), ('gamma', 'team', 'nlp');
      INSERT INTO model_versions (name, version, creation_time, last_updated_time, source, run_id, deleted) VALUES
        ('alpha-model', 1, 100, 100, 'runs:/r01/model', 'r01', 0),
        ('alpha-model', 2, 200, 200, 'runs:/r02/model', 'r02', 0),
        ('alpha-model', 3, 300, 300, 'runs:/r03/model', 'r03', 1),
        ('Beta', 1, 150, 150, 's3://bucket/beta', 'r01', 0);
      INSERT INTO model_version_tags (name, version, key, value) VALUES ('alpha-model', 2, 'stage', 'prod');
    `);
  });
  afterAll(() => db.close());

  const models = (filter: string, orderBy: string[] = []) => {
    const q = compileRegisteredModelSearch({
      filter: parseModelFilter(filter, 'registered_models'),
      orderBy: parseModelOrderBy(orderBy, 'registered_models'),
      limit: 100,
      offset: 0,
    });
    return db.prepare(q.sql).pluck().all(...q.params);
  };
  const versions = (filter: string, orderBy: string[] = []) => {
    const q = compileModelVersionSearch({ filter: parseModelFilter(filter), orderBy: parseModelOrderBy(orderBy), limit: 100, offset: 0 });
    return (db.prepare(q.sql).all(...q.params) as Array<{ name: string; version: number }>).map((r) => `${r.name}/${r.version}`);
  };

  it('searches registered models by name and tags', () => {
    expect(models('')).toEqual(['Beta', 'alpha-model', 'gamma']);
    expect(models("name LIKE 'a%'")).toEqual(['alpha-model']);
    expect(models("name LIKE 'A%'")).toEqual([]);
    expect(models("name ILIKE 'b%'")).toEqual(['Beta']);
    expect(models("name = 'gamma'")).toEqual(['gamma']);
    expect(models("tags.team = 'vision'")).toEqual(['alpha-model']);
    expect(models('tags.team IS NULL')).toEqual(['Beta']);
    expect(models('', ['last_updated_timestamp DESC'])).toEqual(['alpha-model', 'gamma', 'Beta']);
    expect(models('', ['timestamp DESC'])).toEqual(['gamma', 'Beta', 'alpha-model']);
  });

  it('searches model versions, hiding deleted ones', () => {
    expect(versions('')).toEqual(['Beta/1', 'alpha-model/2', 'alpha-model/1']);
    expect(versions("name='alpha-model'")).toEqual(['alpha-model/2', 'alpha-model/1']);
    expect(versions("run_id = 'r01'")).toEqual(['Beta/1', 'alpha-model/1']);
    expect(versions("run_id IN ('r02', 'r03')")).toEqual(['alpha-model/2']);
    expect(versions('version_number >= 2')).toEqual(['alpha-model/2']);
    expect(versions("source_path LIKE 'runs:/%'")).toEqual(['alpha-model/2', 'alpha-model/1']);
    expect(versions("tags.stage = 'prod'")).toEqual(['alpha-model/2']);
    expect(versions('', ['version_number ASC', 'name DESC'])).toEqual(['alpha-model/1', 'Beta/1', 'alpha-model/2']);
  });

  it('rejects model-version fields in a registered-model search at the clause position', () => {
    const e = syntaxError(() => compileRegisteredModelSearch({ filter: parseModelFilter("name = 'a' AND run_id = 'x'"), orderBy: [], limit: 1, offset: 0 }));
    expect(e).toMatchObject({ position: 15, length: 12 });
  });
});
