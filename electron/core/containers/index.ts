import type Docker from 'dockerode';
import { MldeskError, type EngineStatus, type FeatureHandlers, type ModelImage, type RuntimeChoice } from '../../../shared/contract';
import type { EngineContext } from '../context';
import type { JobReporter, Jobs } from '../jobs';
import type { RegistryService } from '../registry';
import type { Tracking } from '../tracking';
import { baseMode, ensureOfflineBase, localNode, offlineBasePlan, slimRef, type BaseInfo } from './base';
import { buildImage, buildUnlessPresent, engineError, imageId, pullImage, withBuildLock, withDockerfile, type Span } from './build';
import { LABEL } from './dockerfile';
import { createClient, EndpointError, endpointFromEnv, endpointKey, probe, type Endpoint } from './engine';
import { nodeArchOf } from './libs';
import { customBuildPaths, customModelPlan, onnxModelPlan, resolveModel, type ModelRef, type ResolvedModel } from './model';
import { runtimePlan } from './runtime';
import { ensureImage, type EnsureImageResult, type RegistryAuth, type Transport } from './transport';

export type { ResolvedModel, ModelRef } from './model';
export { LABEL } from './dockerfile';
export { ensureImage, streamImage, pushImage, pullImage as pullFromRegistry, registryRef, type EnsureImageResult, type RegistryAuth, type Transport } from './transport';

/**
 * Containers: the packaging half of deploy. One Docker client (DOCKER_HOST honoured, else the local socket), the
 * engine's status with a fix for every failure, and image builds — base (offline FROM scratch, or node:<v>-slim) →
 * serving runtime → model layer — each reused when its content-addressed tag exists, streamed as job progress.
 */

export interface ContainersDeps {
  registry: RegistryService;
  tracking: Tracking;
  jobs: Jobs;
}

export interface ContainersOptions {
  /** How long status() waits for the engine (default 3 s). */
  statusTimeoutMs?: number;
}

interface Runtime {
  ref: string;
  id: string;
  base: BaseInfo;
}

const STATUS_TTL_MS = 1_500;
const IMAGE_KINDS = new Set(['onnx', 'dockerfile']);

export class Containers {
  private client: { key: string; ep: Endpoint; docker: Docker } | null = null;
  private statusCache: { key: string; at: number; p: Promise<EngineStatus> } | null = null;
  private readonly statusTimeoutMs: number;

  constructor(
    readonly ctx: EngineContext,
    readonly deps: ContainersDeps,
    opts: ContainersOptions = {},
  ) {
    this.statusTimeoutMs = opts.statusTimeoutMs ?? 3_000;
  }

  // ── the engine ─────────────────────────────────────────────────────────────

  private connection(): { key: string; ep: Endpoint; docker: Docker } {
    const key = endpointKey();
    if (this.client?.key === key) return this.client;
    const ep = endpointFromEnv();
    this.client = { key, ep, docker: createClient(ep) };
    return this.client;
  }

  /** The Docker client (one per DOCKER_HOST configuration). UNAVAILABLE when the configuration itself is unusable. */
  docker(): Docker {
    try {
      return this.connection().docker;
    } catch (e) {
      if (e instanceof EndpointError) throw new MldeskError('UNAVAILABLE', `${e.problem.message}. ${e.problem.hint}`, { problem: e.problem });
      throw new MldeskError('UNAVAILABLE', `Cannot create a Docker client: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  /** Is an engine reachable, which one, and how to fix it when not. Never throws; answers within ~3 s. */
  status(): Promise<EngineStatus> {
    const key = endpointKey();
    const c = this.statusCache;
    if (c && c.key === key && Date.now() - c.at < STATUS_TTL_MS) return c.p;
    const p = (async (): Promise<EngineStatus> => {
      let conn;
      try {
        conn = this.connection();
      } catch (e) {
        const problem =
          e instanceof EndpointError
            ? e.problem
            : { code: 'ERROR', message: `Cannot create a Docker client: ${e instanceof Error ? e.message : String(e)}`, hint: 'Check DOCKER_HOST, DOCKER_TLS_VERIFY and DOCKER_CERT_PATH.' };
        return { available: false, host: e instanceof EndpointError ? e.host : (process.env.DOCKER_HOST ?? ''), version: null, apiVersion: null, platform: null, problem };
      }
      return probe(conn.docker, conn.ep, this.statusTimeoutMs);
    })();
    // Fresh for STATUS_TTL_MS from when it answered (a slow answer must not be stale on arrival).
    const entry = { key, at: Date.now(), p };
    this.statusCache = entry;
    void p.then(() => (entry.at = Date.now()));
    return p;
  }

  /** The client of a reachable engine, or UNAVAILABLE with the reason and how to fix it. */
  async requireEngine(): Promise<Docker> {
    const s = await this.status();
    if (!s.available) {
      this.statusCache = null; // the next call looks again (the user may have just started it)
      const p = s.problem!;
      throw new MldeskError('UNAVAILABLE', `${p.message}. How to fix: ${p.hint}`, { problem: p, host: s.host });
    }
    return this.docker();
  }

  /** Node's arch name of the engine's platform; FAILED_PRECONDITION for a non-Linux engine. */
  private async targetArch(): Promise<string> {
    const s = await this.status();
    const [os, arch] = (s.platform ?? `linux/${process.arch === 'x64' ? 'amd64' : process.arch}`).split('/');
    if (os !== 'linux') throw new MldeskError('FAILED_PRECONDITION', `The Docker engine runs ${os} containers; mldesk images are Linux images`, { hint: 'Switch the engine to Linux containers.' });
    return nodeArchOf(arch ?? 'amd64');
  }

  // ── models ─────────────────────────────────────────────────────────────────

  /** A model version's files, ONNX file and digest. NOT_FOUND / FAILED_PRECONDITION with the reason. */
  resolveModel(ref: ModelRef): Promise<ResolvedModel> {
    return resolveModel(this.deps.registry, this.deps.tracking, ref);
  }

  // ── base and runtime ───────────────────────────────────────────────────────

  /** The base the runtime is built on (see base.ts for the rule); builds or pulls it when needed and `build`. */
  private async chooseBase(docker: Docker | null, arch: string, build: { r?: JobReporter | undefined; span: Span } | null): Promise<BaseInfo> {
    const mode = baseMode();
    if (mode !== 'offline') {
      const slim = await slimRef();
      const present = docker ? await imageId(docker, slim) : null;
      const info = (id: string | null): BaseInfo => ({ ref: slim, id, kind: 'node-slim', nodeVersion: slim.slice(5, -5), libs: new Set(), libDirs: [] });
      if (present) return info(present);
      if (mode === 'node-slim') {
        if (!build || !docker) return info(null);
        try {
          await withBuildLock(`${this.connection().ep.host}\0${slim}`, () => pullImage(docker, slim, build.span, build.r), build.r);
          const id = await imageId(docker, slim);
          if (id) return info(id);
        } catch (e) {
          build.r?.log(`Could not pull ${slim} (${e instanceof Error ? e.message : String(e)}); using the offline base instead.`);
        }
      }
    }
    const plan = await offlineBasePlan(await localNode(), arch, this.ctx.version);
    if (!docker) return plan;
    const id = build ? await ensureOfflineBase(docker, this.connection().ep.host, plan, build.span, build.r) : await imageId(docker, plan.ref);
    return { ...plan, id };
  }

  private async ensureRuntime(r: JobReporter | undefined, span: Span): Promise<Runtime> {
    const docker = await this.requireEngine();
    const arch = await this.targetArch();
    const mid = span.from + (span.to - span.from) * 0.7;
    r?.phase('Checking the base image', span.from);
    const base = await this.chooseBase(docker, arch, { r, span: { from: span.from, to: mid } });
    const plan = await runtimePlan(base, arch, this.ctx.version);
    let id = await imageId(docker, plan.ref);
    if (id) {
      r?.log(`Runtime image ${plan.ref} is up to date (base ${base.ref})`);
    } else {
      id = await buildUnlessPresent(docker, this.connection().ep.host, { entries: withDockerfile(plan.entries, plan.dockerfile), tag: plan.ref, label: `runtime image ${plan.ref}`, span: { from: mid, to: span.to }, r });
    }
    return { ref: plan.ref, id, base };
  }

  /** Ensures the base and serving runtime images exist; returns the runtime image reference. */
  async runtimeImage(r?: JobReporter): Promise<string> {
    return (await this.ensureRuntime(r, { from: 0, to: 1 })).ref;
  }

  // ── model images ───────────────────────────────────────────────────────────

  /** An existing image of this exact content (labels), tagged `ref` if it is not already. */
  private async reusable(docker: Docker, ref: string, labels: Record<string, string>): Promise<ModelImage | null> {
    let list: Docker.ImageInfo[];
    try {
      list = await docker.listImages({ filters: { label: [`${LABEL.kind}=model`, `${LABEL.contextDigest}=${labels[LABEL.contextDigest]}`] } } as Docker.ListImagesOptions);
    } catch (e) {
      throw engineError(e, 'Listing images failed');
    }
    const keys = [LABEL.model, LABEL.version, LABEL.modelDigest, LABEL.runtime, LABEL.runtimeImage, LABEL.contextDigest];
    const hit = list.find((img) => keys.every((k) => (img.Labels ?? {})[k] === labels[k]));
    if (!hit) return null;
    if (!(hit.RepoTags ?? []).includes(ref)) {
      const i = ref.lastIndexOf(':');
      await docker.getImage(hit.Id).tag({ repo: ref.slice(0, i), tag: ref.slice(i + 1) });
    }
    return this.describe(docker, ref);
  }

  private async describe(docker: Docker, ref: string): Promise<ModelImage> {
    let info: Docker.ImageInspectInfo;
    try {
      info = await docker.getImage(ref).inspect();
    } catch (e) {
      throw engineError(e, `Inspecting ${ref} failed`);
    }
    const img = toModelImage({ Id: info.Id, RepoTags: info.RepoTags, Size: info.Size, Created: Date.parse(info.Created) / 1000, Labels: info.Config?.Labels ?? {} }, ref);
    if (!img) throw new MldeskError('INTERNAL', `${ref} is not an mldesk model image`);
    return img;
  }

  /**
   * The image of a model version on the ONNX runtime: FROM the runtime image, the model layer last. An image with
   * the same content (model digest, files, runtime image id) is reused — and re-tagged when needed — without a build.
   */
  async buildModelImage(ref: ModelRef, r?: JobReporter): Promise<ModelImage> {
    const m = await this.resolveModel(ref);
    if (!m.onnxFile) await onnxModelPlan(m, { ref: '', id: '' }, this.ctx.version); // the clear FAILED_PRECONDITION
    const docker = await this.requireEngine();
    const runtime = await this.ensureRuntime(r, { from: 0, to: 0.85 });
    const plan = await onnxModelPlan(m, runtime, this.ctx.version);
    r?.phase(`Building ${plan.ref}`, 0.85);
    const reused = await this.reusable(docker, plan.ref, plan.labels);
    if (reused) {
      r?.log(`Image ${plan.ref} is up to date (model ${m.modelDigest?.slice(0, 19)}…, runtime ${runtime.ref})`);
      return reused;
    }
    await withBuildLock(
      `${this.connection().ep.host}\0${plan.ref}`,
      () => buildImage(docker, { entries: withDockerfile(plan.entries, plan.dockerfile), tag: plan.ref, label: `model image ${plan.ref}`, span: { from: 0.85, to: 1 }, r }),
      r,
    );
    return this.describe(docker, plan.ref);
  }

  /** A model image from the user's Dockerfile and build context (for models without ONNX). */
  async buildCustomImage(input: { model: string; version: string; context: string; dockerfile: string }, r?: JobReporter): Promise<ModelImage> {
    const m = await this.resolveModel({ model: input.model, version: input.version });
    const plan = await customModelPlan(m, input, this.ctx.version);
    const docker = await this.requireEngine();
    r?.phase(`Building ${plan.ref} from ${input.dockerfile}`, 0);
    await withBuildLock(
      `${this.connection().ep.host}\0${plan.ref}`,
      async () =>
        buildImage(docker, {
          entries: plan.entries,
          dockerfile: plan.dockerfileName,
          tag: plan.ref,
          label: `model image ${plan.ref}`,
          span: { from: 0, to: 1 },
          r,
          // An engine without its default bridge (dockerd --bridge=none) can still run RUN steps on the host network.
          networkmode: (await this.hasBridge(docker)) ? undefined : 'host',
        }),
      r,
    );
    return this.describe(docker, plan.ref);
  }

  private async hasBridge(docker: Docker): Promise<boolean> {
    try {
      await docker.getNetwork('bridge').inspect();
      return true;
    } catch {
      return false;
    }
  }

  /** Builds what `input` asks for: the ONNX runtime image, or the user's Dockerfile. */
  build(input: ModelRef & { runtime?: RuntimeChoice | undefined }, r?: JobReporter): Promise<ModelImage> {
    const rt = input.runtime;
    if (rt && rt.kind === 'dockerfile') {
      return this.resolveModel(input).then((m) => this.buildCustomImage({ model: m.name, version: m.version, context: rt.context, dockerfile: rt.dockerfile ?? 'Dockerfile' }, r));
    }
    return this.buildModelImage(input, r);
  }

  /** The Dockerfile mldesk builds for a model version (without building anything), and the image it starts FROM. */
  async dockerfileFor(ref: ModelRef & { runtime?: RuntimeChoice | undefined }): Promise<{ dockerfile: string; base: string }> {
    const m = await this.resolveModel(ref);
    const rt = ref.runtime;
    if (rt && rt.kind === 'dockerfile') {
      const plan = await customModelPlan(m, { context: rt.context, dockerfile: rt.dockerfile ?? 'Dockerfile' }, this.ctx.version);
      return { dockerfile: plan.dockerfile, base: plan.base };
    }
    if (!m.onnxFile) await onnxModelPlan(m, { ref: '', id: '' }, this.ctx.version);
    const s = await this.status();
    const docker = s.available ? this.docker() : null;
    const arch = s.available ? await this.targetArch() : process.arch;
    const base = await this.chooseBase(docker, arch, null);
    const runtime = await runtimePlan(base, arch, this.ctx.version);
    const id = docker ? await imageId(docker, runtime.ref) : null;
    const plan = await onnxModelPlan(m, { ref: runtime.ref, id: id ?? '(built with the image)' }, this.ctx.version);
    return { dockerfile: plan.dockerfile, base: runtime.ref };
  }

  /**
   * Makes image `ref` of this machine's engine available on another engine (a target's): nothing when it is the same
   * engine, push + pull through `registry` when one is given (and transport isn't 'stream'), else streamed save → load
   * without the layers the other engine has. The image ID there is checked. See transport.ts.
   */
  async ensureImageOn(remote: Docker, ref: string, how: { registry: RegistryAuth | null; transport: Transport }, r?: JobReporter): Promise<EnsureImageResult> {
    return ensureImage({ local: await this.requireEngine(), remote, ref, registry: how.registry, transport: how.transport }, r);
  }

  /** Model images mldesk built (by their labels), newest first; `model` narrows to one model's. */
  async images(model?: string): Promise<ModelImage[]> {
    const docker = await this.requireEngine();
    let list: Docker.ImageInfo[];
    try {
      list = await docker.listImages({ filters: { label: [`${LABEL.kind}=model`] }, abortSignal: AbortSignal.timeout(30_000) } as Docker.ListImagesOptions);
    } catch (e) {
      throw engineError(e, 'Listing images failed');
    }
    const out: ModelImage[] = [];
    for (const img of list) {
      const mi = toModelImage(img);
      if (!mi) continue;
      if (model !== undefined && img.Labels?.[LABEL.model] !== model.replace(/[\u0000-\u001f\u007f]/g, ' ')) continue;
      out.push(mi);
    }
    return out.sort((a, b) => b.createdAt - a.createdAt || (a.ref < b.ref ? -1 : 1));
  }
}

/** A listed or inspected image as a ModelImage (null when its labels are not an mldesk model image's). */
function toModelImage(img: { Id: string; RepoTags?: string[] | null; Size: number; Created: number; Labels?: Record<string, string> | null }, prefer?: string): ModelImage | null {
  const l = img.Labels ?? {};
  const model = l[LABEL.model];
  const version = l[LABEL.version];
  if (l[LABEL.kind] !== 'model' || !model || !version) return null;
  const tags = (img.RepoTags ?? []).filter((t) => t !== '<none>:<none>');
  const runtime = l[LABEL.runtime] ?? 'onnx';
  return {
    ref: prefer && tags.includes(prefer) ? prefer : (tags[0] ?? img.Id),
    digest: img.Id,
    sizeBytes: img.Size,
    model,
    version,
    runId: l[LABEL.runId] || null,
    modelDigest: l[LABEL.modelDigest] ?? '',
    base: l[LABEL.base] ?? '',
    runtime: IMAGE_KINDS.has(runtime) ? (runtime as 'onnx' | 'dockerfile') : 'onnx',
    createdAt: Math.round(img.Created * 1000),
  };
}

export function createContainers(
  ctx: EngineContext,
  deps: ContainersDeps,
  opts: ContainersOptions = {},
): { service: Containers; handlers: FeatureHandlers<'containers'> } {
  const service = new Containers(ctx, deps, opts);
  return {
    service,
    handlers: {
      'containers.engine': () => service.status(),
      'containers.images': ({ model }) => service.images(model),
      'containers.build': async (input) => {
        // Everything that can be refused is refused now (4xx, 503), not as a failed job.
        const m = await service.resolveModel(input);
        const rt = input.runtime;
        if (rt?.kind === 'dockerfile') customBuildPaths({ context: rt.context, dockerfile: rt.dockerfile });
        else if (!m.onnxFile) await onnxModelPlan(m, { ref: '', id: '' }, ctx.version);
        await service.requireEngine();
        const ref = { model: m.name, version: m.version };
        ctx.audit('containers.build', `${m.name}/${m.version}`, { runtime: rt?.kind ?? 'onnx' });
        const jobId = deps.jobs.start('build', `Build ${m.name} v${m.version}`, (r) =>
          rt?.kind === 'dockerfile' ? service.buildCustomImage({ ...ref, context: rt.context, dockerfile: rt.dockerfile }, r) : service.buildModelImage(ref, r),
        );
        return { jobId };
      },
      'containers.dockerfile': (input) => service.dockerfileFor(input),
    },
  };
}
