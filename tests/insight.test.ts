// Model insight through the contract, on small demo models trained for real (train.mjs → ONNX → registered): the
// global job and its SQLite cache, local explanations (additive), fairness by group, the model card (Markdown, HTML)
// and saving it as a commit into the project.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import git from 'isomorphic-git';
import type { FairnessReport, GlobalResult, LocalResult, ModelCard } from '../shared/contract';
import { createDemoProject, seedDemoRuns } from '../electron/core/projects/demo';
import { startServer, type Served } from '../electron/host/serve';
import { callOk, tmpDir } from './helpers';

let served: Served;
let projectDir: string;
const call = <T>(name: string, input: unknown) => callOk<T>(served.engine, name, input);

beforeAll(async () => {
  const root = tmpDir('mldesk-insight-');
  served = await startServer({ dataDir: path.join(root, 'data'), port: 0, uiDir: null, launcher: { sampleMs: 0 } });
  const project = await createDemoProject(served.engine, path.join(root, 'demo'));
  projectDir = project.path;
  const [gbt, logreg] = await seedDemoRuns(served.engine, project.id, undefined, [
    { name: 'gbt-20x3', args: ['--model', 'gbt', '--trees', '20', '--depth', '3'] },
    { name: 'logreg-e3', args: ['--model', 'logreg', '--epochs', '3'] },
  ]);
  await call('models.register', { name: 'credit-gbt', runId: gbt, path: 'model' });
  await call('models.register', { name: 'credit-logreg', runId: logreg, path: 'model' });
}, 180_000);

afterAll(async () => {
  await served?.close();
});

const SETTINGS = { repeats: 2, sampleRows: 400, shapRows: 60, pdpFeatures: 2, seed: 7 };

describe('insight: global explanations', () => {
  it('runs as a job on the validation data from lineage, and a second call reuses the cached result (no recompute)', async () => {
    const input = { model: 'credit-gbt', version: '1', settings: SETTINGS };
    expect(await call('insight.globalResult', input)).toBeNull();
    const first = await call<{ jobId: string; key: string; cached: boolean }>('insight.global', input);
    expect(first.cached).toBe(false);
    const g = await served.engine.jobs.wait<GlobalResult>(first.jobId);
    expect(served.engine.insight.computed).toBe(1);

    expect(g.dataset.source).toBe('lineage');
    expect(g.dataset.subset).toBe('validation');
    expect(g.dataset.path).toBe('data/train.csv');
    expect(g.dataset.labelColumn).toBe('default');
    expect(g.features.map((f) => f.name)).toContain('credit_score');
    expect(g.importance.length).toBe(g.features.length);
    for (const f of g.importance) {
      expect(f.values).toHaveLength(2);
      expect(f.ci[0]).toBeLessThanOrEqual(f.mean);
      expect(f.ci[1]).toBeGreaterThanOrEqual(f.mean);
    }
    expect(g.baseline).toBeGreaterThan(0.6); // AUC of a real model
    expect(g.shap.method).toBe('treeshap');
    expect(g.shap.rows).toBe(60);
    expect(g.shap.maxAdditivityError).toBeLessThan(1e-6);
    expect(g.pdp).toHaveLength(2);
    expect(g.pdp[0]!.pd.length).toBe(g.pdp[0]!.grid.length);

    const again = await call<{ jobId: string; key: string; cached: boolean }>('insight.global', input);
    expect(again).toMatchObject({ cached: true, key: first.key });
    const reused = await served.engine.jobs.wait<GlobalResult>(again.jobId);
    expect(reused.computedAt).toBe(g.computedAt);
    expect(served.engine.insight.computed).toBe(1);
    expect((await call<GlobalResult>('insight.globalResult', input))?.key).toBe(first.key);
    // Other settings: another key, not cached.
    expect(await call('insight.globalResult', { ...input, settings: { ...SETTINGS, repeats: 3 } })).toBeNull();
  }, 120_000);

  it('falls back to KernelSHAP for a model without a tree ensemble', async () => {
    const { jobId } = await call<{ jobId: string }>('insight.global', { model: 'credit-logreg', version: '1', settings: { ...SETTINGS, shapRows: 5 } });
    const g = await served.engine.jobs.wait<GlobalResult>(jobId);
    expect(g.shap.method).toBe('kernelshap');
    expect(g.shap.rows).toBe(5);
    expect(g.shap.maxAdditivityError).toBeLessThan(1e-6);
  }, 120_000);
});

describe('insight: local explanations', () => {
  const row = { age: 41, income: 52000, employment_years: 6, loan_amount: 12000, loan_term_months: 36, interest_rate: 11.5, credit_score: 640, debt_to_income: 0.31, num_open_accounts: 5, num_delinquencies: 1, home_ownership: 'RENT', purpose: 'debt_consolidation', region: 'north' };

  it('KernelSHAP, TreeSHAP and LIME explain one prediction; the SHAP values add up to f(x) − E[f]', async () => {
    const r = await call<LocalResult>('insight.local', { model: 'credit-gbt', version: '1', row });
    expect(r.prediction).toBeGreaterThan(0);
    expect(r.prediction).toBeLessThan(1);
    expect(r.skipped).toEqual([]);
    const by = Object.fromEntries(r.explanations.map((e) => [e.method, e]));
    for (const m of ['kernelshap', 'treeshap'] as const) {
      const e = by[m]!;
      const sum = e.contributions.reduce((a, c) => a + c.phi, 0);
      expect(Math.abs(e.expected + sum - e.fx)).toBeLessThan(1e-6);
      expect(e.additivityError).toBeLessThan(1e-6);
    }
    expect(by.kernelshap!.space).toBe('probability');
    expect(Math.abs(by.kernelshap!.fx - r.prediction)).toBeLessThan(1e-6);
    expect(by.treeshap!.space).toBe('log-odds');
    expect(Math.abs(1 / (1 + Math.exp(-by.treeshap!.fx)) - r.prediction)).toBeLessThan(1e-5);
    expect(by.lime!.r2).toBeGreaterThan(0);
    expect(by.lime!.contributions.length).toBeGreaterThan(0);
    expect(by.lime!.contributions[0]!.condition).toBeTruthy();
  }, 60_000);

  it('explains the row of a Try-it request body, and says why TreeSHAP does not apply to a linear model', async () => {
    const body = { dataframe_records: [row] };
    const r = await call<LocalResult>('insight.local', { model: 'credit-logreg', version: '1', request: { protocol: 'invocations', body }, methods: ['kernelshap', 'treeshap'] });
    expect(r.row.credit_score).toBe(640);
    expect(r.explanations.map((e) => e.method)).toEqual(['kernelshap']);
    expect(r.skipped[0]).toMatchObject({ method: 'treeshap' });
    expect(r.skipped[0]!.reason).toMatch(/no tree ensemble/);
    const e = r.explanations[0]!;
    expect(Math.abs(e.expected + e.contributions.reduce((a, c) => a + c.phi, 0) - e.fx)).toBeLessThan(1e-6);
  }, 60_000);

  it('rejects an input naming no row', async () => {
    const res = await served.engine.call('insight.local', { model: 'credit-gbt', version: '1' });
    expect(res.ok).toBe(false);
    if (!res.ok) expect(res.error.code).toBe('INVALID_INPUT');
  });
});

describe('insight: fairness', () => {
  it('reports every group of a sensitive attribute and of an intersection, with the summary differences', async () => {
    const cols = await call<{ suggested: string[]; columns: Array<{ name: string }> }>('insight.columns', { model: 'credit-gbt', version: '1' });
    expect(cols.columns.map((c) => c.name)).toContain('region');
    expect(cols.suggested.length).toBeGreaterThan(0);
    const attr = cols.suggested[0]!;
    const r = await call<FairnessReport>('insight.fairness', { model: 'credit-gbt', version: '1', sensitive: [attr], bootstrap: 50 });
    expect(r.attributes).toEqual([attr]);
    expect(r.label).toBe('default');
    expect(r.groups.length).toBeGreaterThanOrEqual(2);
    expect(r.groups.reduce((a, g) => a + g.size, 0)).toBe(r.rows);
    expect(r.rows).toBe(r.dataset.rows);
    expect(r.summary.demographicParityDifference.value).not.toBeNull();
    const two = await call<FairnessReport>('insight.fairness', { model: 'credit-gbt', version: '1', sensitive: ['region', 'home_ownership'], bootstrap: 0 });
    expect(two.groups.length).toBeGreaterThan(r.groups.length > 4 ? 4 : 2);
    expect(two.groups[0]!.key).toMatch(/region=.* & home_ownership=/);
  }, 60_000);

  it('names an unknown sensitive column', async () => {
    const res = await served.engine.call('insight.fairness', { model: 'credit-gbt', version: '1', sensitive: ['nope'] });
    expect(res.ok).toBe(false);
    if (!res.ok) expect(res.error.message).toMatch(/no column 'nope'/);
  });
});

describe('insight: model card', () => {
  it('generates lineage, data profile, metrics, explanations and fairness, as Markdown and self-contained HTML', async () => {
    const card = await call<ModelCard>('insight.card', { model: 'credit-gbt', version: '1' });
    const lineage = await call<{ run: { runId: string }; commit: string }>('models.lineage', { name: 'credit-gbt', version: '1' });
    expect(card.path).toBe('models/credit-gbt/v1/MODEL_CARD.md');
    expect(card.savedCommit).toBeNull();
    expect(card.sections.filter((s) => s.editable).map((s) => s.id)).toEqual(['intendedUse', 'limitations', 'ethicalConsiderations']);
    const md = card.markdown;
    expect(md).toContain(lineage.run.runId);
    expect(md).toContain(lineage.commit);
    expect(md).toMatch(/data\/train\.csv@[0-9a-f]{12}/);
    expect(md).toContain('| `credit_score` |'); // profile and importance tables
    expect(md).toContain('val_auc');
    expect(md).toContain('Permutation importance');
    expect(md).toContain('Demographic parity difference');
    expect(md).toContain('## Intended use');

    const html = await call<{ text: string; fileName: string; mime: string }>('insight.exportCard', { model: 'credit-gbt', version: '1', format: 'html', edits: { intendedUse: 'Ranking <b>loan</b> applications for review.' } });
    expect(html.fileName).toBe('MODEL_CARD-credit-gbt-v1.html');
    expect(html.text).toMatch(/^<!doctype html>/);
    expect(html.text).toContain('<style>');
    expect(html.text).toContain('<svg');
    expect(html.text).toContain(lineage.run.runId);
    expect(html.text).toContain('Ranking &lt;b&gt;loan&lt;/b&gt; applications');
    expect(html.text).not.toMatch(/<script|<link|src="http|href="http/i);
    const mdx = await call<{ text: string }>('insight.exportCard', { model: 'credit-gbt', version: '1', format: 'markdown' });
    expect(mdx.text).toContain('# Model card: credit-gbt v1');
  }, 60_000);

  it('saves the person-written sections as a commit of MODEL_CARD.md into the project, and reads them back', async () => {
    const edits = { intendedUse: 'Pre-screening of consumer loan applications; a person decides.', limitations: 'Trained on synthetic data.' };
    const saved = await call<{ commit: string; path: string }>('insight.saveCard', { model: 'credit-gbt', version: '1', edits });
    expect(saved.path).toBe('models/credit-gbt/v1/MODEL_CARD.md');
    const log = await git.log({ fs, dir: projectDir, depth: 1 });
    expect(log[0]!.oid).toBe(saved.commit);
    expect(log[0]!.commit.message).toMatch(/^model card: credit-gbt v1/);
    const fileLog = await git.log({ fs, dir: projectDir, filepath: saved.path });
    expect(fileLog.map((c) => c.oid)).toEqual([saved.commit]);
    const { blob } = await git.readBlob({ fs, dir: projectDir, oid: saved.commit, filepath: saved.path });
    expect(Buffer.from(blob).toString('utf8')).toContain('Pre-screening of consumer loan applications');
    // Only the card is in that commit.
    const changed: string[] = [];
    await git.walk({
      fs,
      dir: projectDir,
      trees: [git.TREE({ ref: log[0]!.commit.parent[0]! }), git.TREE({ ref: saved.commit })],
      map: async (p, [a, b]) => {
        if (p === '.') return true;
        if ((await a?.type()) === 'tree' || (await b?.type()) === 'tree') return true;
        if ((await a?.oid()) !== (await b?.oid())) changed.push(p);
        return true;
      },
    });
    expect(changed).toEqual([saved.path]);

    const card = await call<ModelCard>('insight.card', { model: 'credit-gbt', version: '1' });
    expect(card.savedCommit).toBe(saved.commit);
    expect(card.edits).toEqual({ ...edits, ethicalConsiderations: '' });
    // A second save keeps what is not edited.
    const second = await call<{ commit: string }>('insight.saveCard', { model: 'credit-gbt', version: '1', edits: { ethicalConsiderations: 'Check the disparity by region.' } });
    const back = await call<ModelCard>('insight.card', { model: 'credit-gbt', version: '1' });
    expect(back.savedCommit).toBe(second.commit);
    expect(back.edits.intendedUse).toBe(edits.intendedUse);
    expect(back.edits.ethicalConsiderations).toBe('Check the disparity by region.');
  }, 60_000);
});
