import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type Docker from 'dockerode';
import { callOk, dockerSuite, runCli, serveInProcess, tmpDir } from './helpers';
import { startTestDockerd, type TestDockerd } from './dockerd';
import { startKubeStandin, type KubeStandin } from './kubeStandin';
import { Engine } from '../electron/core/engine';
import type { Served } from '../electron/host/serve';
import type { LogLine, RemoteLaunched } from '../shared/contract/launcher';
import { expandGrid, paramEnvName, templateCommand } from '../electron/core/projects/remoteRuns';
import { parseMemoryMb } from '../electron/host/cli';

/**
 * Training runs on a target: a real one-node swarm (a second dockerd started here, tests/dockerd.ts) runs each run
 * as a one-shot service from the project's image (built on the local engine from the project's files on the
 * offline Node base, streamed to the swarm engine). The script logs a metric over HTTP to the in-process tracking
 * server on 127.0.0.1 (host networking: the test engine is on this machine).
 */

const { docker: local, suite } = await dockerSuite('remoteRuns');

const TRAIN = `
const uri = process.env.MLFLOW_TRACKING_URI;
const runId = process.env.MLFLOW_RUN_ID;
const [lr, mode] = process.argv.slice(2);
console.log('training lr=' + lr + ' depth=' + (process.env.MLDESK_PARAM_DEPTH ?? '-') + ' in ' + process.cwd());
const res = await fetch(uri + '/api/2.0/mlflow/runs/log-metric', {
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ run_id: runId, key: 'loss', value: Number(lr) * 2, timestamp: Date.now(), step: 0 }),
});
console.log('log-metric answered ' + res.status);
console.error('a line on stderr');
if (mode === 'fail') process.exit(3);
if (mode === 'sleep') await new Promise((r) => setTimeout(r, 120000));
if (mode === 'pause') await new Promise((r) => setTimeout(r, 1500));
console.log('done');
`;

suite('training runs on a swarm target', () => {
  let d: TestDockerd;
  let served: Served & { dataDir: string };
  let engine: Engine;
  let project: string;

  const services = async (docker: Docker) => ((await docker.listServices()) as unknown as Array<{ Spec: { Name: string } }>).map((s) => s.Spec.Name);
  const startOn = (input: Record<string, unknown>) => callOk<RemoteLaunched>(engine, 'launcher.startOn', { cwd: project, target: 'swarm1', ...input });
  const tags = (runId: string) => Object.fromEntries(engine.tracking.runs.get(runId).data.tags.map((t) => [t.key, t.value]));

  beforeAll(async () => {
    d = await startTestDockerd({ swarm: true });
    served = await serveInProcess();
    engine = served.engine;
    project = path.join(tmpDir('mldesk-rr-'), 'proj');
    fs.mkdirSync(path.join(project, 'node_modules', 'junk'), { recursive: true });
    fs.writeFileSync(path.join(project, 'train.mjs'), TRAIN);
    fs.writeFileSync(path.join(project, 'node_modules', 'junk', 'big.js'), 'x'.repeat(1000));
    fs.writeFileSync(path.join(project, '.dockerignore'), 'secret.txt\n');
    fs.writeFileSync(path.join(project, 'secret.txt'), 'not for the image');
    await callOk(engine, 'targets.add', { kind: 'docker', name: 'swarm1', host: d.host, swarm: true });
  }, 900_000); // the swarm engine waits for other test files' swarms (one at a time per machine)

  afterAll(async () => {
    try {
      if (d) for (const s of await services(d.docker).catch(() => [])) await d.docker.getService(s).remove().catch(() => undefined);
      await served?.close();
      // The project images this file built on the local engine.
      for (const img of (await local.listImages({ filters: { label: ['mldesk.kind=project', 'mldesk.project=proj'] } } as never)) as unknown as Docker.ImageInfo[]) await local.getImage(img.Id).remove({ force: true }).catch(() => undefined);
    } finally {
      await d?.stop();
    }
  }, 60_000);

  it('grid, templating and sizes: the pure parts', () => {
    expect(expandGrid({ lr: ['0.1', '0.01'], depth: ['2', '3'] })).toEqual([
      { lr: '0.1', depth: '2' },
      { lr: '0.1', depth: '3' },
      { lr: '0.01', depth: '2' },
      { lr: '0.01', depth: '3' },
    ]);
    expect(templateCommand(['node', 'train.mjs', '--lr={lr}', '{unknown}'], { lr: '0.5' })).toEqual(['node', 'train.mjs', '--lr=0.5', '{unknown}']);
    expect(paramEnvName('max-depth')).toBe('MLDESK_PARAM_MAX_DEPTH');
    expect(parseMemoryMb('512m')).toBe(512);
    expect(parseMemoryMb('2g')).toBe(2048);
    expect(() => parseMemoryMb('lots')).toThrow(/--memory/);
  });

  it('a run is a one-shot service: its metric arrives over HTTP, its logs are in the run, it ends FINISHED and the service is gone', async () => {
    const t0 = Date.now();
    const launched = await startOn({ command: ['node', 'train.mjs', '{lr}', 'ok'], params: { lr: '0.5' }, cpus: 0.5, memoryMb: 256 });
    expect(launched.sweepId).toBeNull();
    const { runId } = launched.runs[0]!;
    // Created before the job: RUNNING, tagged with its target.
    expect(engine.tracking.runs.row(runId).status).toBe('RUNNING');
    expect(tags(runId)['mldesk.target']).toBe('swarm1');
    const lines: LogLine[] = [];
    const off = engine.events.subscribe('launcher.output', (p) => p.run_id === runId && lines.push(...p.lines));
    await engine.jobs.wait(launched.jobId);
    await engine.remoteRuns.wait([runId]);
    off();
    const run = engine.tracking.runs.get(runId);
    expect(run.info.status).toBe('FINISHED');
    expect(run.data.metrics.find((m) => m.key === 'loss')?.value).toBe(1);
    expect(run.data.params).toContainEqual({ key: 'lr', value: '0.5' });
    expect(lines.map((l) => l.text)).toContain('training lr=0.5 depth=- in /project');
    const tail = await callOk<{ lines: LogLine[]; running: boolean }>(engine, 'launcher.tail', { runId });
    expect(tail.running).toBe(false);
    expect(tail.lines.filter((l) => l.stream === 'stdout').map((l) => l.text)).toEqual(['training lr=0.5 depth=- in /project', 'log-metric answered 200', 'done']);
    expect(tail.lines.filter((l) => l.stream === 'stderr').map((l) => l.text)).toEqual(['a line on stderr']);
    expect(fs.readFileSync(path.join(engine.tracking.runArtifactDir(runId), 'logs', 'stdout.log'), 'utf8')).toContain('log-metric answered 200');
    expect(await services(d.docker)).toEqual([]);
    // The image: project files only (no node_modules, nothing .dockerignore names), on the swarm engine by id.
    const row = (await callOk<Array<{ runId: string; image: string; state: string; exitCode: number | null }>>(engine, 'launcher.remote', {})).find((x) => x.runId === runId)!;
    expect(row).toMatchObject({ state: 'finished', exitCode: 0 });
    const img = await d.docker.getImage(row.image).inspect();
    expect(img.Config.Labels?.['mldesk.project']).toBe('proj');
    expect(img.Config.WorkingDir).toBe('/project');
    const f = engine.remoteRuns.figures;
    console.log(`figures: image ${f.imageReused ? 'reused' : 'built'} in ${f.imageMs} ms, transport ${f.transportMs} ms, start latency ${f.startLatencyMs.join(', ')} ms, whole run ${Date.now() - t0} ms`);
    const listing = await new Promise<string>((resolve, reject) => {
      // What the image holds under /project (the offline base has no shell: list it with node).
      void d.docker
        .run(row.image, ['node', '-e', 'console.log(require("fs").readdirSync("/project").sort().join(","))'], process.stdout, { HostConfig: { NetworkMode: 'host', AutoRemove: false } })
        .then(async ([res, container]: [unknown, Docker.Container]) => {
          const logs = (await container.logs({ stdout: true })).toString();
          await container.remove({ force: true });
          void res;
          resolve(logs);
        }, reject);
    });
    expect(listing).toContain('.dockerignore,train.mjs');
    expect(listing).not.toMatch(/node_modules|secret\.txt/);
  }, 180_000);

  it('the unchanged project reuses its image; a failing script ends FAILED with its exit code', async () => {
    const launched = await startOn({ command: ['node', 'train.mjs', '1', 'fail'] });
    const { runId } = launched.runs[0]!;
    await engine.jobs.wait(launched.jobId);
    await engine.remoteRuns.wait([runId]);
    expect(engine.remoteRuns.figures.imageReused).toBe(true);
    const run = engine.tracking.runs.get(runId);
    expect(run.info.status).toBe('FAILED');
    expect(tags(runId)['mldesk.exit_code']).toBe('3');
    expect(run.data.metrics.find((m) => m.key === 'loss')?.value).toBe(2);
    expect(await services(d.docker)).toEqual([]);
  }, 120_000);

  it('Stop removes the service and the run ends KILLED', async () => {
    const launched = await startOn({ command: ['node', 'train.mjs', '1', 'sleep'] });
    const { runId, job } = launched.runs[0]!;
    const deadline = Date.now() + 60_000;
    while (!(await callOk<{ lines: LogLine[] }>(engine, 'launcher.tail', { runId })).lines.some((l) => l.text === 'a line on stderr')) {
      if (Date.now() > deadline) throw new Error('the run did not start');
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(await services(d.docker)).toEqual([job]);
    expect(await callOk(engine, 'launcher.stop', { runId })).toEqual({ stopped: true });
    expect(engine.tracking.runs.row(runId).status).toBe('KILLED');
    expect(await services(d.docker)).toEqual([]);
  }, 120_000);

  it('a sweep of 4 with parallel 2: four runs under one parent, with their params, never more than 2 services at once', async () => {
    const launched = await startOn({ command: ['node', 'train.mjs', '{lr}', 'pause'], grid: { lr: ['0.1', '0.2'], depth: ['2', '3'] }, parallel: 2, name: 'grid' });
    expect(launched.sweepId).not.toBeNull();
    expect(launched.runs).toHaveLength(4);
    let max = 0;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        max = Math.max(max, (await services(d.docker)).length);
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    await engine.jobs.wait(launched.jobId);
    await engine.remoteRuns.wait(launched.runs.map((r) => r.runId));
    sampling = false;
    await sampler;
    expect(max).toBe(2);
    const sweepId = launched.sweepId!;
    const parent = engine.tracking.runs.get(sweepId);
    expect(parent.info.status).toBe('FINISHED');
    expect(parent.info.run_name).toBe('sweep grid');
    const seen = new Set<string>();
    for (const r of launched.runs) {
      const run = engine.tracking.runs.get(r.runId);
      expect(run.info.status).toBe('FINISHED');
      expect(tags(r.runId)['mlflow.parentRunId']).toBe(sweepId);
      const p = Object.fromEntries(run.data.params.map((x) => [x.key, x.value]));
      seen.add(`${p.lr}/${p.depth}`);
      expect(run.data.metrics.find((m) => m.key === 'loss')?.value).toBeCloseTo(Number(p.lr) * 2);
      const out = (await engine.launcher.tail(r.runId, 50)).lines.map((l) => l.text);
      expect(out).toContain(`training lr=${p.lr} depth=${p.depth} in /project`);
    }
    expect([...seen].sort()).toEqual(['0.1/2', '0.1/3', '0.2/2', '0.2/3']);
    expect(await services(d.docker)).toEqual([]);
  }, 240_000);

  it('refuses a loopback tracking URI for a target not on this machine, before creating anything', async () => {
    await callOk(engine, 'targets.add', { kind: 'docker', name: 'faraway', host: 'tcp://build-box.invalid:2376', swarm: true });
    const before = engine.tracking.searchRunRows({ experimentIds: ['0', ...engine.tracking.searchExperiments({ viewType: 'ALL', maxResults: 100 }).experiments.map((e) => e.experiment_id)], viewType: 'ALL', maxResults: 1000 }).total;
    const r = await engine.call('launcher.startOn', { command: ['node', 'train.mjs'], cwd: project, target: 'faraway' });
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.code).toBe('FAILED_PRECONDITION');
      expect(r.error.message).toMatch(/loopback.*mldesk serve --host/s);
    }
    const after = engine.tracking.searchRunRows({ experimentIds: ['0', ...engine.tracking.searchExperiments({ viewType: 'ALL', maxResults: 100 }).experiments.map((e) => e.experiment_id)], viewType: 'ALL', maxResults: 1000 }).total;
    expect(after).toBe(before);
  });

  it('through the CLI: `mldesk run --target` streams the logs and exits 0 when the sweep FINISHED, 1 with the reason when a run failed', async () => {
    const dataDir = path.join(tmpDir(), 'cli-data');
    // The target in the CLI's data dir (added through the engine's contract call).
    const e = new Engine({ dataDir, host: 'web' });
    try {
      await callOk(e, 'targets.add', { kind: 'docker', name: 'swarm1', host: d.host, swarm: true });
    } finally {
      await e.close();
    }
    const ok = await runCli(['run', '--data-dir', dataDir, '--target', 'swarm1', '--project', project, '--grid', 'lr=0.3,0.4', '--parallel', '2', '--memory', '256m', '--', 'node', 'train.mjs', '{lr}', 'ok'], {}, 120_000);
    expect(ok.out).toContain('[lr=0.3] training lr=0.3');
    expect(ok.out).toContain('[lr=0.4] log-metric answered 200');
    expect(ok.out).toMatch(/sweep \w+ of 2 runs on target swarm1/);
    expect(ok.code).toBe(0);
    const bad = await runCli(['run', '--data-dir', dataDir, '--target', 'swarm1', '--project', project, '--', 'node', 'train.mjs', '1', 'fail'], {}, 120_000);
    expect(bad.out).toContain('a line on stderr');
    expect(bad.out).toMatch(/FAILED: exited with code 3/);
    expect(bad.code).toBe(1);
    expect(await services(d.docker)).toEqual([]);
  }, 300_000);
});

/**
 * Kubernetes: no API server can run on this machine, so the Jobs go to the KUBERNETES API STAND-IN
 * (tests/kubeStandin.ts: its simulated job controller makes one pod per Job; the test writes the pod's log and ends
 * the Job). No image is built: the run names one (`image`), as it would one already in the cluster's registry.
 */
describe('training runs as Kubernetes Jobs (against the Kubernetes API stand-in)', () => {
  let kube: KubeStandin;
  let served: Served & { dataDir: string };
  let engine: Engine;
  let project: string;
  const IMAGE = 'registry.example.com/team/proj:1';

  beforeAll(async () => {
    kube = await startKubeStandin({ podStartMs: 50 });
    served = await serveInProcess();
    engine = served.engine;
    project = tmpDir('mldesk-rrk-');
    await callOk(engine, 'targets.add', { kind: 'kubernetes', name: 'kube1', kubeconfig: kube.kubeconfig });
  }, 60_000);
  afterAll(async () => {
    await served?.close();
    await kube?.close();
  });

  const jobs = () => kube.objects('Job').map((j) => j.metadata.name as string);
  async function until<T>(what: string, fn: () => T | undefined | null | false, ms = 20_000): Promise<T> {
    const end = Date.now() + ms;
    for (;;) {
      const v = fn();
      if (v) return v;
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  it('a sweep of 2 with parallel 1 (stand-in): one Job at a time with the MLflow env, pod logs into the run, FINISHED / FAILED from the Job, Jobs deleted', async () => {
    const launched = await callOk<RemoteLaunched>(engine, 'launcher.startOn', {
      command: ['node', 'train.mjs', '--lr={lr}'],
      cwd: project,
      target: 'kube1',
      image: IMAGE,
      grid: { lr: ['0.1', '0.2'] },
      parallel: 1,
      cpus: 0.5,
      memoryMb: 512,
    });
    const [a, b] = launched.runs;
    await until('the first Job', () => jobs().includes(a!.job));
    expect(jobs()).toEqual([a!.job]); // parallel 1: the second waits
    const job = kube.objects('Job').find((j) => j.metadata.name === a!.job)!;
    const c = job.spec.template.spec.containers[0];
    expect(c.image).toBe(IMAGE);
    expect(c.command).toEqual(['node', 'train.mjs', '--lr=0.1']);
    const env = Object.fromEntries((c.env as Array<{ name: string; value: string }>).map((e) => [e.name, e.value]));
    expect(env).toMatchObject({ MLFLOW_RUN_ID: a!.runId, MLFLOW_TRACKING_URI: served.url, MLDESK_PARAM_LR: '0.1' });
    expect(c.resources.limits).toMatchObject({ memory: '512Mi' });
    expect(job.spec.backoffLimit).toBe(0);
    await until('the pod', () => kube.objects('Pod').length > 0);
    kube.writeLog(a!.job, ['epoch 1 loss 0.5', 'epoch 2 loss 0.25']);
    await until('the log lines in the run', () => engine.remoteRuns.tail(a!.runId, 50)?.lines.some((l) => l.text === 'epoch 2 loss 0.25'));
    kube.completeJob(a!.job, true);
    await until('the second Job', () => jobs().includes(b!.job));
    expect(jobs()).not.toContain(a!.job); // ended and deleted before the next started
    expect(engine.tracking.runs.row(a!.runId).status).toBe('FINISHED');
    await until('the second pod', () => kube.objects('Pod').some((p) => p.metadata.labels?.['job-name'] === b!.job));
    kube.completeJob(b!.job, false);
    await engine.jobs.wait(launched.jobId);
    expect(engine.tracking.runs.row(b!.runId).status).toBe('FAILED');
    expect(engine.tracking.runs.row(launched.sweepId!).status).toBe('FAILED');
    expect(jobs()).toEqual([]);
    const logs = (await engine.launcher.tail(a!.runId, 50)).lines.map((l) => l.text);
    expect(logs).toEqual(expect.arrayContaining(['epoch 1 loss 0.5', 'epoch 2 loss 0.25']));
    expect(kube.requests.some((r) => r.method === 'PATCH' && r.path.includes('/jobs/') && r.contentType === 'application/apply-patch+yaml')).toBe(true);
  }, 60_000);

  it('Stop deletes the Job (stand-in) and the run ends KILLED', async () => {
    const launched = await callOk<RemoteLaunched>(engine, 'launcher.startOn', { command: ['node', 'train.mjs'], cwd: project, target: 'kube1', image: IMAGE });
    const { runId, job } = launched.runs[0]!;
    await until('the Job', () => jobs().includes(job));
    expect(await callOk(engine, 'launcher.stop', { runId })).toEqual({ stopped: true });
    expect(engine.tracking.runs.row(runId).status).toBe('KILLED');
    expect(jobs()).toEqual([]);
  }, 30_000);
});
