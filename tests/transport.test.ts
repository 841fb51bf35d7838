// Image transport (issue 14, item 2) between real engines: this machine's dockerd and a second dockerd started by the
// test (its own data-root). Streams the serving runtime image (save → load, progress, same image ID on arrival), then
// an image built FROM it (only the new layer travels: the rest is left out of the upload), a tampered or corrupted
// tarball (a clear error, nothing wrong left tagged), a trimmed tarball the engine refuses (the full one is sent),
// and a real distribution registry (Debian's docker-registry 2.8, htpasswd auth) for push → pull, with a wrong
// password giving an authentication error without the password in it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type { Readable } from 'node:stream';
import os from 'node:os';
import Docker from 'dockerode';
import { freeTcpPort, startTestDockerd, type TestDockerd } from './dockerd';
import { reporter } from './reporter';
import { chainIds, ensureImage, loadVerified, pullImage, pushImage, registryRef, streamImage } from '../electron/core/containers/transport';
import { skippableDiffs, trimSavedImage } from '../electron/core/containers/imageTar';
import { buildImage } from '../electron/core/containers/build';
import { MldeskError } from '../shared/contract/errors';

// Not tests/helpers.ts's dockerSuite: that module loads the whole engine, and this file needs only the containers
// code. Same rule: without dockerd the suite fails in CI and is skipped with a printed reason elsewhere.
const docker = new Docker();
const up = await docker.ping().then(
  () => true,
  () => false,
);
if (!up && !process.env.CI) console.log('transport.test: skipped — dockerd is not reachable');
const suite = up || process.env.CI ? describe : describe.skip;
const dirs: string[] = [];
const tmpDir = (prefix: string) => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  dirs.push(d);
  return d;
};
afterAll(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

const MB = 1024 * 1024;
const TAG = Math.random().toString(36).slice(2, 8);
const SMALL = `mldesk-transport-test/small:${TAG}`;
const SMALL2 = `mldesk-transport-test/small2:${TAG}`;

async function newestRuntime(d: Docker): Promise<string> {
  const list = await d.listImages({ filters: { reference: ['mldesk/runtime'] } } as Docker.ListImagesOptions);
  const tagged = list.filter((i) => (i.RepoTags ?? []).some((t) => t.startsWith('mldesk/runtime:'))).sort((a, b) => b.Created - a.Created);
  const ref = tagged[0]?.RepoTags?.find((t) => t.startsWith('mldesk/runtime:'));
  if (!ref) throw new Error('no mldesk/runtime image on the local engine (build one: npx vitest run tests/containers.test.ts)');
  return ref;
}

/** FROM `base` plus one file (COPY works without a shell: the runtime image has none). */
async function buildOnTop(base: string, tag: string, content: string): Promise<string> {
  return buildImage(docker, {
    entries: [
      { kind: 'data', name: 'hello.txt', data: content },
      { kind: 'data', name: 'Dockerfile', data: `FROM ${base}\nCOPY hello.txt /app/hello.txt\nLABEL mldesk.kind=transport-test\n` },
    ],
    tag,
    label: tag,
    span: { from: 0, to: 1 },
  });
}

const figure = (what: string, s: { sentBytes: number; ms: number; skippedLayers: number; totalLayers: number }) =>
  console.log(`transport: ${what}: ${(s.sentBytes / MB).toFixed(s.sentBytes < MB ? 3 : 1)} MB sent in ${s.ms} ms, ${s.skippedLayers}/${s.totalLayers} layers skipped`);

// ── pure pieces ──────────────────────────────────────────────────────────────────────────────────────────────────

it('chain IDs: chain(0) = diff(0), chain(n) = sha256(chain(n-1) + " " + diff(n)); skippable diffs', () => {
  const d = ['sha256:' + 'a'.repeat(64), 'sha256:' + 'b'.repeat(64), 'sha256:' + 'a'.repeat(64)];
  const c = chainIds(d);
  expect(c[0]).toBe(d[0]);
  // printf 'sha256:aaa… sha256:bbb…' | sha256sum
  const expected = execFileSync('sha256sum', { input: `${d[0]} ${d[1]}` }).toString().split(' ')[0];
  expect(c[1]).toBe(`sha256:${expected}`);
  expect(c[2]).not.toBe(c[0]);
  // The repeated diff "a" is needed at position 2 (its chain is missing) although position 0 is present.
  expect([...skippableDiffs(d, new Set([c[0]!, c[1]!]))]).toEqual([d[1]]);
  expect([...skippableDiffs(d, new Set(c))].sort()).toEqual([d[0], d[1]].sort());
  expect(registryRef('127.0.0.1:5000', 'mldesk/runtime:1.0').remoteRef).toBe('127.0.0.1:5000/mldesk/runtime:1.0');
  expect(registryRef('http://reg.example.com/team/', 'localhost:5000/m:2').remoteRef).toBe('reg.example.com/team/m:2');
  expect(() => registryRef('127.0.0.1:5000', 'sha256:abc')).toThrow(/name:tag/);
});

suite('image transport between two real engines', () => {
  let remote: TestDockerd | null = null;
  let runtime = '';
  let runtimeLayers = 0;
  let firstSent = 0;
  const localTags: string[] = [];

  beforeAll(async () => {
    runtime = await newestRuntime(docker);
    runtimeLayers = (await docker.getImage(runtime).inspect()).RootFS.Layers?.length ?? 0;
    remote = await startTestDockerd();
  }, 120_000);

  afterAll(async () => {
    await remote?.stop();
    for (const t of localTags.reverse()) await docker.getImage(t).remove().catch(() => undefined);
  }, 120_000);

  it('streams the runtime image to the other engine: same image ID there, progress reported', async () => {
    const r = reporter();
    const res = await streamImage(docker, remote!.docker, runtime, r);
    figure(`full stream of ${runtime}`, res);
    const local = await docker.getImage(runtime).inspect();
    const there = await remote!.docker.getImage(runtime).inspect();
    expect(there.Id).toBe(local.Id);
    expect(res.id).toBe(local.Id);
    expect(res.totalLayers).toBe(runtimeLayers);
    expect(res.skippedLayers).toBe(0);
    expect(res.sentBytes).toBeGreaterThan(local.Size * 0.9);
    firstSent = res.sentBytes;
    // Progress: several rising fractions and phase text with the bytes sent.
    expect(r.fractions.length).toBeGreaterThan(3);
    expect(Math.max(...r.fractions)).toBe(1);
    expect(r.phases.some((p) => /Sending .*MB sent/.test(p))).toBe(true);
    // A second call finds it there and sends nothing.
    const again = await streamImage(docker, remote!.docker, runtime);
    expect(again.sentBytes).toBe(0);
    expect(again.skippedLayers).toBe(runtimeLayers);
  }, 300_000);

  it('an image built FROM the runtime: only its new layer travels', async () => {
    localTags.push(SMALL);
    const id = await buildOnTop(runtime, SMALL, `hello ${TAG}\n`);
    const r = reporter();
    const res = await streamImage(docker, remote!.docker, SMALL, r);
    figure(`incremental stream of ${SMALL}`, res);
    expect((await remote!.docker.getImage(SMALL).inspect()).Id).toBe(id);
    expect(res.id).toBe(id);
    expect(res.totalLayers).toBe(runtimeLayers + 1);
    expect(res.skippedLayers).toBeGreaterThanOrEqual(runtimeLayers);
    expect(res.sentBytes).toBeLessThan(firstSent / 50);
    console.log(`transport: incremental/full bytes = ${(res.sentBytes / firstSent).toFixed(5)}`);
    expect(r.lines.some((l) => /layers already there/.test(l))).toBe(true);
    // The loaded image runs: its file is there (create, not start: the engine unpacks the layers for it).
    const c = await remote!.docker.createContainer({ Image: SMALL, Cmd: ['/usr/local/bin/node', '-e', '0'] });
    const archive = (await c.getArchive({ path: '/app/hello.txt' })) as unknown as Readable;
    let text = '';
    for await (const chunk of archive) text += (chunk as Buffer).toString('latin1');
    expect(text).toContain(`hello ${TAG}`);
    await c.remove({ force: true });
  }, 300_000);

  it('a tampered config is caught on arrival (digest mismatch), a corrupted layer is refused by the engine', async () => {
    localTags.push(SMALL2);
    const id = await buildOnTop(runtime, SMALL2, `second ${TAG}\n`);
    const diffs = (await docker.getImage(SMALL2).inspect()).RootFS.Layers ?? [];
    const top = diffs[diffs.length - 1]!;
    const skip = new Set(diffs.filter((d) => d !== top));
    const positions = new Map(diffs.map((d) => [d, 1]));

    // 1. The config changed on the way (a label added): the engine loads it — under another image ID.
    const saved1 = (await docker.getImage(SMALL2).get()) as unknown as Readable;
    const tampered = trimSavedImage(saved1, {
      skip,
      positions,
      rewrite: (name, data) => {
        if (!/^[0-9a-f]{64}\.json$/.test(name)) return data;
        const cfg = JSON.parse(data.toString()) as { config: { Labels?: Record<string, string> } };
        cfg.config.Labels = { ...cfg.config.Labels, tampered: 'yes' };
        return Buffer.from(JSON.stringify(cfg));
      },
    });
    const e1 = await loadVerified(remote!.docker, tampered.output, { ref: SMALL2, id }).then(
      () => null,
      (e: unknown) => e,
    );
    await tampered.done;
    expect(e1).toBeInstanceOf(MldeskError);
    expect((e1 as MldeskError).code).toBe('FAILED_PRECONDITION');
    expect((e1 as MldeskError).message).toMatch(/Digest mismatch/);
    expect((e1 as MldeskError).message).toContain(id);
    // The wrong image does not keep the name.
    await expect(remote!.docker.getImage(SMALL2).inspect()).rejects.toMatchObject({ statusCode: 404 });

    // 2. A byte of the new layer flipped: the engine's diff-ID check refuses it.
    const saved2 = (await docker.getImage(SMALL2).get()) as unknown as Readable;
    const corrupted = trimSavedImage(saved2, {
      skip,
      positions,
      rewrite: (name, data) => {
        if (!name.endsWith('/layer.tar')) return data;
        const i = data.indexOf(`second ${TAG}`);
        if (i < 0) return data;
        const copy = Buffer.from(data);
        copy[i] = 'S'.charCodeAt(0);
        return copy;
      },
    });
    const e2 = await loadVerified(remote!.docker, corrupted.output, { ref: SMALL2, id }).then(
      () => null,
      (e: unknown) => e,
    );
    await corrupted.done;
    expect(e2).toBeInstanceOf(MldeskError);
    expect((e2 as MldeskError).message).toMatch(/refused .*(diff|digest|layer)/i);
    console.log(`transport: tampered → ${(e1 as Error).message}\ntransport: corrupted → ${(e2 as Error).message}`);
  }, 300_000);

  it('the engine refuses a trimmed tarball missing a layer it lacks → the full image is sent, and says so', async () => {
    const diffs = (await docker.getImage(SMALL2).inspect()).RootFS.Layers ?? [];
    const wrong = chainIds(diffs).at(-1)!; // claimed present, but the remote has never seen SMALL2's top layer
    const r = reporter();
    const res = await streamImage(docker, remote!.docker, SMALL2, r, { assumePresent: [wrong] });
    figure(`fallback stream of ${SMALL2}`, res);
    expect(r.lines.some((l) => /refused .*sending the full image/i.test(l))).toBe(true);
    expect(res.skippedLayers).toBe(0);
    expect(res.sentBytes).toBeGreaterThan(firstSent * 0.9);
    expect((await remote!.docker.getImage(SMALL2).inspect()).Id).toBe(res.id);
  }, 300_000);

  it('ensureImage: the same engine needs nothing; the stream transport otherwise; registry without one is refused', async () => {
    const same = await ensureImage({ local: docker, remote: docker, ref: SMALL, registry: null, transport: 'auto' });
    expect(same.how).toBe('same-engine');
    expect(same.sentBytes).toBe(0);
    const streamed = await ensureImage({ local: docker, remote: remote!.docker, ref: SMALL, registry: null, transport: 'auto' });
    expect(streamed.how).toBe('stream');
    expect(streamed.ref).toBe(SMALL);
    expect(streamed.id).toBe((await docker.getImage(SMALL).inspect()).Id);
    await expect(ensureImage({ local: docker, remote: remote!.docker, ref: SMALL, registry: null, transport: 'registry' })).rejects.toThrow(/registry/);
  }, 120_000);

  // ── a real registry ──────────────────────────────────────────────────────────────────────────────────────────

  let registry: ChildProcess | null = null;
  let regUrl = '';
  const USER = 'mldesk-ci';
  const PASSWORD = `pw-${TAG}-s3cret`;
  const WRONG = `wrong-${TAG}-guess`;

  afterAll(async () => {
    if (registry && registry.exitCode === null) {
      const exited = new Promise((r) => registry!.once('exit', r));
      registry.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5_000))]);
      if (registry.exitCode === null) registry.kill('SIGKILL');
    }
  });

  it('a registry with htpasswd auth: push, the other engine pulls the same image ID; a wrong password is refused', async () => {
    const dir = tmpDir('mldesk-registry-');
    const port = await freeTcpPort();
    regUrl = `127.0.0.1:${port}`;
    fs.writeFileSync(path.join(dir, 'htpasswd'), execFileSync('htpasswd', ['-Bbn', USER, PASSWORD]));
    fs.writeFileSync(
      path.join(dir, 'config.yml'),
      [
        'version: 0.1',
        'log: { level: warn }',
        `storage: { filesystem: { rootdirectory: ${path.join(dir, 'data')} } }`,
        `http: { addr: "${regUrl}", secret: "test-${TAG}" }`,
        `auth: { htpasswd: { realm: mldesk-test, path: ${path.join(dir, 'htpasswd')} } }`,
        '',
      ].join('\n'),
    );
    const log = fs.openSync(path.join(dir, 'registry.log'), 'a');
    registry = spawn('/usr/bin/docker-registry', ['serve', path.join(dir, 'config.yml')], { stdio: ['ignore', log, log] });
    fs.closeSync(log);
    const status = () =>
      new Promise<number>((resolve) => {
        const req = http.get({ host: '127.0.0.1', port, path: '/v2/', agent: false, timeout: 1000 }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on('error', () => resolve(0));
      });
    const t = Date.now();
    while ((await status()) !== 401) {
      if (registry.exitCode !== null || Date.now() - t > 20_000) throw new Error(`registry did not start: ${fs.readFileSync(path.join(dir, 'registry.log'), 'utf8')}`);
      await new Promise((r) => setTimeout(r, 100));
    }

    const auth = { url: regUrl, username: USER, password: PASSWORD };
    const localId = (await docker.getImage(SMALL).inspect()).Id;
    const r = reporter();
    const t0 = Date.now();
    const pushed = await pushImage(docker, SMALL, auth, r);
    localTags.push(pushed.remoteRef);
    console.log(`transport: registry push of ${SMALL}: ${(pushed.sentBytes / MB).toFixed(1)} MB in ${Date.now() - t0} ms, digest ${pushed.digest}`);
    expect(pushed.remoteRef).toBe(`${regUrl}/${SMALL}`);
    expect(pushed.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(r.phases.some((p) => p.startsWith('Pushing'))).toBe(true);
    // The registry serves that manifest under that digest.
    const head = await new Promise<{ status: number; digest: string | undefined }>((resolve, reject) => {
      const [repo, tag] = [SMALL.split(':')[0], SMALL.split(':')[1]];
      const req = http.request(
        {
          host: '127.0.0.1',
          port,
          method: 'HEAD',
          path: `/v2/${repo}/manifests/${tag}`,
          auth: `${USER}:${PASSWORD}`,
          headers: { Accept: 'application/vnd.docker.distribution.manifest.v2+json' },
        },
        (res) => {
          res.resume();
          resolve({ status: res.statusCode ?? 0, digest: res.headers['docker-content-digest'] as string | undefined });
        },
      );
      req.on('error', reject);
      req.end();
    });
    expect(head).toEqual({ status: 200, digest: pushed.digest });

    // A second push: the registry has every blob (HEAD blob), nothing is uploaded again.
    const again = await pushImage(docker, SMALL, auth);
    expect(again.digest).toBe(pushed.digest);
    expect(again.skippedLayers).toBeGreaterThanOrEqual(runtimeLayers);

    // The other engine pulls it (after losing it: the runtime layers it keeps come as "Already exists"): the same
    // config digest (image ID).
    await remote!.docker.getImage(SMALL).remove();
    await expect(remote!.docker.getImage(localId).inspect()).rejects.toMatchObject({ statusCode: 404 });
    const t1 = Date.now();
    const pulled = await pullImage(remote!.docker, pushed.remoteRef, auth);
    console.log(`transport: registry pull on the second engine: ${Date.now() - t1} ms`);
    expect(pulled.id).toBe(localId);
    expect((await remote!.docker.getImage(pushed.remoteRef).inspect()).Id).toBe(localId);

    // ensureImage through the registry.
    const ensured = await ensureImage({ local: docker, remote: remote!.docker, ref: SMALL, registry: auth, transport: 'auto' });
    expect(ensured).toMatchObject({ how: 'registry', ref: pushed.remoteRef, id: localId });

    // A wrong password: a clear authentication error, without the password in it.
    const bad = await pushImage(docker, SMALL, { ...auth, password: WRONG }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(bad).toBeInstanceOf(MldeskError);
    const msg = (bad as MldeskError).message;
    console.log(`transport: wrong password → ${msg}`);
    expect(msg).toMatch(/authentication/i);
    expect(msg).toContain(USER);
    expect(msg).not.toContain(WRONG);
    expect(JSON.stringify((bad as MldeskError).toJSON())).not.toContain(WRONG);
    const badPull = await pullImage(remote!.docker, pushed.remoteRef, { ...auth, password: WRONG }).then(
      () => null,
      (e: unknown) => e,
    );
    expect((badPull as MldeskError).message).toMatch(/authentication/i);
    expect((badPull as MldeskError).message).not.toContain(WRONG);
  }, 600_000);
});
