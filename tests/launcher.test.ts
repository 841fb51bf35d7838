import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import git from 'isomorphic-git';
import { runCli, tmpDir } from './helpers';
import { startServer, type Served } from '../electron/host/serve';
import { MldeskError } from '../shared/contract';

let s: Served;
let work: string;
beforeAll(async () => {
  work = tmpDir();
  s = await startServer({ dataDir: path.join(work, 'data'), port: 0, uiDir: null, launcher: { sampleMs: 100 } });
});
afterAll(async () => {
  await s.close();
});

function script(name: string, body: string): string {
  const file = path.join(work, name);
  fs.writeFileSync(file, body);
  return file;
}
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('launcher', () => {
  it('runs a process as a tracked run: env, params, logs as artifacts, system metrics, git lineage, FINISHED', async () => {
    const repo = path.join(work, 'repo');
    fs.mkdirSync(repo);
    await git.init({ fs, dir: repo, defaultBranch: 'main' });
    fs.writeFileSync(path.join(repo, 'a.txt'), 'x');
    await git.add({ fs, dir: repo, filepath: 'a.txt' });
    const oid = await git.commit({ fs, dir: repo, message: 'init', author: { name: 't', email: 't@x' } });
    const file = script(
      'ok.mjs',
      `const u = process.env.MLFLOW_TRACKING_URI, id = process.env.MLFLOW_RUN_ID;
       console.log('hello stdout'); console.error('hello stderr');
       const r = await fetch(u + '/api/2.0/mlflow/runs/log-metric', { method: 'POST', headers: { 'content-type': 'application/json' },
         body: JSON.stringify({ run_id: id, key: 'acc', value: 0.9, timestamp: Date.now(), step: 1 }) });
       if (!r.ok) process.exit(9);
       const end = Date.now() + 700; while (Date.now() < end) {}
       console.log('env', process.env.MLFLOW_EXPERIMENT_ID);`,
    );
    const run = await s.engine.launcher.start({ command: [process.execPath, file], cwd: repo, experimentName: 'launch-exp', name: 'ok', params: { lr: '0.1' }, env: {} });
    await s.engine.launcher.wait(run.runId);
    const got = s.engine.tracking.runs.get(run.runId);
    expect(got.info.status).toBe('FINISHED');
    expect(got.info.run_name).toBe('ok');
    expect(got.info.experiment_id).toBe(run.experimentId);
    expect(got.data.params).toEqual([{ key: 'lr', value: '0.1' }]);
    const tags = Object.fromEntries(got.data.tags.map((t) => [t.key, t.value]));
    expect(tags['mlflow.source.git.commit']).toBe(oid);
    expect(tags['mldesk.git.dirty']).toBe('false');
    expect(tags['mldesk.exit_code']).toBe('0');
    expect(tags['mldesk.command']).toContain('ok.mjs');
    const keys = got.data.metrics.map((m) => m.key);
    expect(keys).toContain('acc');
    expect(keys).toContain('system/cpu_utilization_percentage');
    expect(keys).toContain('system/process_rss_megabytes');
    const files = s.engine.tracking.listRunArtifacts(run.runId, 'logs').files.map((f) => f.path);
    expect(files).toEqual(['logs/output.jsonl', 'logs/stderr.log', 'logs/stdout.log']);
    const dir = s.engine.tracking.runArtifactDir(run.runId);
    expect(fs.readFileSync(path.join(dir, 'logs', 'stdout.log'), 'utf8')).toBe(`hello stdout\nenv ${run.experimentId}\n`);
    const tail = await s.engine.launcher.tail(run.runId, 10);
    expect(tail.running).toBe(false);
    expect(tail.lines.map((l) => `${l.stream}:${l.text}`)).toEqual(expect.arrayContaining(['stdout:hello stdout', 'stderr:hello stderr', 'system:Process exited with code 0']));
  });

  it('publishes output lines live on launcher.output', async () => {
    const seen: string[] = [];
    const off = s.engine.events.subscribe('launcher.output', (p) => seen.push(...p.lines.map((l) => l.text)));
    const file = script('live.mjs', `for (let i = 0; i < 3; i++) { console.log('line ' + i); await new Promise((r) => setTimeout(r, 50)); }`);
    const run = await s.engine.launcher.start({ command: [process.execPath, file], cwd: work, params: {}, env: {} });
    await s.engine.launcher.wait(run.runId);
    off();
    expect(seen).toEqual(expect.arrayContaining(['line 0', 'line 1', 'line 2']));
  });

  it('a non-zero exit is FAILED with the exit code recorded', async () => {
    const run = await s.engine.launcher.start({ command: [process.execPath, '-e', 'process.exit(3)'], cwd: work, params: {}, env: {} });
    await s.engine.launcher.wait(run.runId);
    const got = s.engine.tracking.runs.get(run.runId);
    expect(got.info.status).toBe('FAILED');
    expect(got.data.tags).toContainEqual({ key: 'mldesk.exit_code', value: '3' });
  });

  it('stop kills the whole process tree and ends the run KILLED', async () => {
    const pidFile = path.join(work, 'grandchild.pid');
    const file = script(
      'tree.mjs',
      `import { spawn } from 'node:child_process'; import fs from 'node:fs';
       const c = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
       fs.writeFileSync(${JSON.stringify(pidFile)}, String(c.pid));
       setInterval(() => {}, 1000);`,
    );
    const run = await s.engine.launcher.start({ command: [process.execPath, file], cwd: work, params: {}, env: {} });
    for (let i = 0; i < 100 && !fs.existsSync(pidFile); i++) await new Promise((r) => setTimeout(r, 50));
    const grandchild = Number(fs.readFileSync(pidFile, 'utf8'));
    expect(alive(run.pid) && alive(grandchild)).toBe(true);
    expect(s.engine.launcher.list().map((r) => r.runId)).toContain(run.runId);
    expect(await s.engine.launcher.stop(run.runId)).toEqual({ stopped: true });
    for (let i = 0; i < 50 && alive(grandchild); i++) await new Promise((r) => setTimeout(r, 50));
    expect(alive(run.pid)).toBe(false);
    expect(alive(grandchild)).toBe(false);
    expect(s.engine.tracking.runs.get(run.runId).info.status).toBe('KILLED');
    expect(s.engine.launcher.list()).toEqual([]);
  });

  it('a missing program is a clear error and the run is FAILED, not left RUNNING', async () => {
    const r = await s.engine.call('launcher.start', { command: ['definitely-not-a-program-xyz'], cwd: work });
    expect(r.ok).toBe(false);
    const err = !r.ok ? MldeskError.from(r.error) : null;
    expect(err?.message).toBe('Command not found: definitely-not-a-program-xyz');
    const runId = (err?.details as { runId: string }).runId;
    expect(s.engine.tracking.runs.get(runId).info.status).toBe('FAILED');
    const bad = await s.engine.call('launcher.start', { command: [], cwd: work });
    expect(!bad.ok && bad.error.code).toBe('INVALID_INPUT');
    const noDir = await s.engine.call('launcher.start', { command: ['true'], cwd: path.join(work, 'nope') });
    expect(!noDir.ok && noDir.error.code).toBe('NOT_FOUND');
  });
});

describe('mldesk run', () => {
  it('propagates the exit code, echoes output, records params', async () => {
    const dataDir = path.join(tmpDir(), 'data');
    const ok = await runCli(['run', '--data-dir', dataDir, '--experiment', 'cli', '--param', 'alpha=1', '--no-system-metrics', '--', process.execPath, '-e', 'console.log("from child " + process.env.MLFLOW_RUN_ID)']);
    expect(ok.code, ok.out).toBe(0);
    const m = /from child ([0-9a-f]{32})/.exec(ok.out);
    expect(m).not.toBeNull();
    expect(ok.out).toMatch(new RegExp(`run ${m![1]} FINISHED`));
    const fail = await runCli(['run', '--data-dir', dataDir, '--no-system-metrics', '--', process.execPath, '-e', 'process.exit(4)']);
    expect(fail.code).toBe(4);
    expect(fail.out).toMatch(/FAILED/);
    const usage = await runCli(['run', '--data-dir', dataDir]);
    expect(usage.code).toBe(2);
    expect(usage.out).toMatch(/give the command after `--`/);
  });
});
