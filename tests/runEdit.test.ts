// Editing runs from the UI (tracking.renameRun / setTag / deleteTag) as MLflow clients see it, and the Parquet
// artifact preview (tracking.previewArtifactTable, read-only DuckDB through the data service).
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { post, request, serveInProcess, tmpDir } from './helpers';
import type { Served } from '../electron/host/serve';

let s: Served & { dataDir: string };
let runId: string;
beforeAll(async () => {
  s = await serveInProcess();
  runId = s.engine.tracking.runs.create({ experimentId: '0', runName: 'before' }).info.run_id;
});
afterAll(async () => {
  await s.close();
});

const rpc = async (name: string, input: unknown) => post(s.url, `/rpc/${name}`, input);
const mlflowRun = async () => (await request(`${s.url}/api/2.0/mlflow/runs/get?run_id=${runId}`, 'GET')).body.run as { info: { run_name: string }; data: { tags?: Array<{ key: string; value: string }> } };
const tag = (run: Awaited<ReturnType<typeof mlflowRun>>, key: string) => run.data.tags?.find((t) => t.key === key)?.value;

describe('editing a run', () => {
  it('rename: the MLflow API sees the new name and the mlflow.runName tag; blank names are refused', async () => {
    const events: string[] = [];
    const off = s.engine.events.subscribe('tracking.runChanged', (p: { run_id: string }) => events.push(p.run_id));
    try {
      expect((await rpc('tracking.renameRun', { runId, name: '  after  ' })).status).toBe(200);
      const run = await mlflowRun();
      expect(run.info.run_name).toBe('after');
      expect(tag(run, 'mlflow.runName')).toBe('after');
      expect(events).toContain(runId);
      const blank = await rpc('tracking.renameRun', { runId, name: '   ' });
      expect(blank.status).toBe(400);
      expect((await rpc('tracking.renameRun', { runId: 'nope', name: 'x' })).status).toBe(404);
    } finally {
      off();
    }
  });

  it('description: mlflow.note.content through setTag, removed with deleteTag (which now announces the change)', async () => {
    const md = '**Baseline** with `lr=0.1`\n\n- see https://mlflow.org';
    expect((await rpc('tracking.setTag', { runId, key: 'mlflow.note.content', value: md })).status).toBe(200);
    expect(tag(await mlflowRun(), 'mlflow.note.content')).toBe(md);
    const events: string[] = [];
    const off = s.engine.events.subscribe('tracking.runChanged', (p: { run_id: string }) => events.push(p.run_id));
    try {
      expect((await rpc('tracking.deleteTag', { runId, key: 'mlflow.note.content' })).status).toBe(200);
      expect(tag(await mlflowRun(), 'mlflow.note.content')).toBeUndefined();
      expect(events).toEqual([runId]);
    } finally {
      off();
    }
  });
});

describe('tracking.previewArtifactTable', () => {
  it('reads the first rows, the column types and the row count of a Parquet artifact', async () => {
    const dir = tmpDir();
    const file = path.join(dir, 'scores.parquet');
    await s.engine.data.duck.run(
      `COPY (SELECT i AS id, 'row ' || i AS label, i / 4.0 AS score, CASE WHEN i % 3 = 0 THEN NULL ELSE i % 2 = 0 END AS flag FROM range(1000) t(i)) TO '${file}' (FORMAT parquet)`,
    );
    s.engine.tracking.writeRunArtifact(runId, 'eval/scores.parquet', fs.readFileSync(file));
    const r = await rpc('tracking.previewArtifactTable', { runId, path: 'eval/scores.parquet', maxRows: 5 });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    const body = r.body as unknown as { path: string; size: number; columns: Array<{ name: string; type: string }>; rows: Array<Array<string | null>>; totalRows: number };
    expect(body.path).toBe('eval/scores.parquet');
    expect(body.size).toBe(fs.statSync(file).size);
    expect(body.columns.map((c) => c.name)).toEqual(['id', 'label', 'score', 'flag']);
    expect(body.columns[0]!.type).toBe('BIGINT');
    expect(body.totalRows).toBe(1000);
    expect(body.rows).toHaveLength(5);
    expect(body.rows[1]).toEqual(['1', 'row 1', '0.25', 'false']);
    expect(body.rows[0]![3]).toBeNull();
  });

  it('refuses what is not Parquet, paths outside the run, and never names server paths', async () => {
    s.engine.tracking.writeRunArtifact(runId, 'notes.txt', 'hello');
    s.engine.tracking.writeRunArtifact(runId, 'broken.parquet', Buffer.concat([Buffer.from('PAR1'), Buffer.alloc(64, 7)]));
    const cases: Array<[string, number]> = [
      ['notes.txt', 400],
      ['broken.parquet', 400],
      ['missing.parquet', 404],
      ['../../../etc/passwd', 400],
    ];
    for (const [p, status] of cases) {
      const r = await rpc('tracking.previewArtifactTable', { runId, path: p });
      expect(r.status, `${p}: ${JSON.stringify(r.body)}`).toBe(status);
      expect(JSON.stringify(r.body)).not.toContain(s.dataDir);
    }
    const broken = await rpc('tracking.previewArtifactTable', { runId, path: 'broken.parquet' });
    expect(String(broken.body.message)).toMatch(/^Could not read 'broken\.parquet' as Parquet/);
  });
});
