import { contract, lookupMethod, MldeskError, roleAllows, toErrorShape, zodToError, type ErrorShape, type Feature, type Handlers, type MethodName } from '../../shared/contract';
import type { Envelope } from '../../shared/contract/bridge';
import { EventBus } from './events';
import { openStore } from './store';
import type { EngineContext } from './context';
import { ProjectsService } from './projects/service';
import { createDemoProject } from './projects/demo';
import { VERSION } from './version';
import { Tracking } from './tracking';
import { trackingHandlers } from './tracking/handlers';
import { Launcher, type LauncherOptions } from './projects/launcher';
import { createRemoteRuns, type RemoteRuns } from './projects/remoteRuns';
import { RegistryService, modelsHandlers } from './registry';
import { LoggedModelsService } from './tracking/loggedModels';
import { LodCache } from './tracking/lod';
import { compareHandlers } from './tracking/compare';
import { SavedViews } from './tracking/views';
import { DataService } from './data';
import { dataHandlers } from './data/handlers';
import { Users } from './users';
import { callerIs, currentPrincipal } from './principal';
import { Jobs, jobsHandlers } from './jobs';
import { createContainers, type Containers } from './containers';
import { createDeploy, type DeployService } from './deploy';
import { createMonitor, type MonitorService } from './monitor';
import { createTargets, type TargetsService } from './targets';
import { createInsight, type InsightService } from './insight';

export type { Handlers } from '../../shared/contract';

export interface EngineOptions {
  dataDir: string;
  host: 'electron' | 'web';
  launcher?: LauncherOptions;
}

/** The engine: plain Node, shared by the Electron main process and `mldesk serve`. */
export class Engine {
  readonly ctx: EngineContext;
  readonly projects: ProjectsService;
  readonly tracking: Tracking;
  readonly launcher: Launcher;
  readonly remoteRuns: RemoteRuns;
  readonly registry: RegistryService;
  readonly loggedModels: LoggedModelsService;
  readonly lod: LodCache;
  readonly views: SavedViews;
  readonly data: DataService;
  readonly users: Users;
  readonly jobs: Jobs;
  readonly containers: Containers;
  readonly deploy: DeployService;
  readonly monitor: MonitorService;
  readonly targets: TargetsService;
  readonly insight: InsightService;
  readonly handlers: Handlers;
  private readonly disposers: Array<() => Promise<void> | void> = [];

  constructor(opts: EngineOptions) {
    const store = openStore({ dataDir: opts.dataDir });
    const events = new EventBus();
    const audit = store.db.prepare('INSERT INTO audit_log (at, actor, action, subject, detail) VALUES (?, ?, ?, ?, ?)');
    this.ctx = {
      store,
      events,
      dataDir: opts.dataDir,
      host: opts.host,
      version: VERSION,
      trackingUri: null,
      // The actor is the calling user on a team server; the local owner is recorded as the host kind.
      audit: (action, subject = null, detail) => {
        const who = currentPrincipal();
        audit.run(Date.now(), who.role === 'owner' ? opts.host : who.name, action, subject, detail === undefined ? null : JSON.stringify(detail));
      },
    };
    this.projects = new ProjectsService(this.ctx);
    this.tracking = new Tracking(this.ctx);
    this.registry = new RegistryService(this.ctx);
    this.loggedModels = new LoggedModelsService(this.ctx);
    this.lod = new LodCache(this.ctx, this.tracking.runs.metrics);
    this.views = new SavedViews(this.ctx, this.tracking.experiments);
    this.data = new DataService(this.ctx, this.projects);
    this.launcher = new Launcher(this.ctx, this.tracking, this.projects, opts.launcher);
    this.launcher.data = this.data;
    this.users = new Users(this.ctx);
    this.jobs = new Jobs(this.ctx);
    const containers = createContainers(this.ctx, { registry: this.registry, tracking: this.tracking, jobs: this.jobs });
    this.containers = containers.service;
    const targets = createTargets(this.ctx, { containers: this.containers });
    this.targets = targets.service;
    const remoteRuns = createRemoteRuns(this.ctx, { tracking: this.tracking, projects: this.projects, targets: this.targets, containers: this.containers, jobs: this.jobs, launcher: this.launcher, users: this.users });
    this.remoteRuns = remoteRuns.service;
    this.disposers.push(remoteRuns.dispose);
    const deploy = createDeploy(this.ctx, { registry: this.registry, tracking: this.tracking, data: this.data, jobs: this.jobs, containers: this.containers, targets: this.targets });
    this.deploy = deploy.service;
    if (deploy.dispose) this.disposers.push(deploy.dispose);
    const monitor = createMonitor(this.ctx, { registry: this.registry, tracking: this.tracking, data: this.data, jobs: this.jobs, deploy: this.deploy, containers: this.containers });
    this.monitor = monitor.service;
    if (monitor.dispose) this.disposers.unshift(monitor.dispose);
    // The card shows the lineage as the Models page does (with the images and deployments deploy adds): models.lineage.
    const insight = createInsight(this.ctx, { registry: this.registry, tracking: this.tracking, data: this.data, jobs: this.jobs, containers: this.containers, lineage: async (name, version) => this.handlers['models.lineage']({ name, version }) });
    this.insight = insight.service;
    this.disposers.push(insight.dispose);
    const ctx = this.ctx;
    this.handlers = {
      'app.info': () => ({
        name: 'mldesk' as const,
        version: ctx.version,
        host: ctx.host,
        dataDir: callerIs('owner') ? ctx.dataDir : '',
        schemaVersion: ctx.store.schemaVersion,
        trackingUri: ctx.trackingUri,
        platform: process.platform,
      }),
      'app.ping': ({ value }) => ({ value, at: Date.now() }),
      'projects.list': () => this.projects.list(),
      'projects.get': ({ id }) => this.projects.get(id),
      'projects.create': (i) => this.projects.create(i),
      'projects.open': (i) => this.projects.open(i),
      'projects.remove': ({ id }) => this.projects.remove(id),
      'projects.createDemo': (i) => createDemoProject(this, i.path, 'background'),
      ...trackingHandlers(this.ctx, this.tracking, this.data),
      ...compareHandlers(this.tracking, this.lod),
      ...dataHandlers(this.ctx, this.data),
      ...modelsHandlers(this.ctx, this.registry, this.tracking, this.data),
      'views.list': ({ experimentId }) => this.views.list(experimentId),
      'views.save': ({ experimentId, name, state }) => this.views.save(experimentId, name, state),
      'views.delete': ({ id }) => this.views.delete(id),
      'launcher.start': (i) => this.launcher.start(i),
      'launcher.stop': ({ runId }) => this.launcher.stop(runId),
      'launcher.list': () => this.launcher.list(),
      'launcher.tail': ({ runId, maxLines }) => this.launcher.tail(runId, maxLines),
      ...remoteRuns.handlers,
      'users.list': () => this.users.list(),
      'users.add': ({ name, role }) => this.users.add(name, role),
      'users.revoke': ({ name }) => (this.users.revoke(name), { ok: true as const }),
      'users.whoami': () => currentPrincipal(),
      ...jobsHandlers(this.jobs),
      ...containers.handlers,
      ...deploy.handlers,
      ...monitor.handlers,
      ...targets.handlers,
      ...insight.handlers,
    };
  }

  get events(): EventBus {
    return this.ctx.events;
  }

  /**
   * The one entry both hosts use: look up, validate, run, normalise errors.
   * Never throws; returns an envelope so IPC and HTTP carry the same shape.
   */
  async call(name: string, rawInput: unknown): Promise<Envelope> {
    try {
      return { ok: true, value: await this.invoke(name, rawInput) };
    } catch (e) {
      const error: ErrorShape = toErrorShape(e);
      if (error.code === 'INTERNAL') console.error(`[mldesk] ${name} failed:`, e);
      return { ok: false, error };
    }
  }

  async invoke(name: string, rawInput: unknown): Promise<unknown> {
    const def = lookupMethod(name);
    if (!def) throw new MldeskError('NOT_FOUND', `Unknown method "${name}"`);
    // The one role check for IPC and HTTP alike: each method declares its least role in the contract.
    const who = currentPrincipal();
    if (!roleAllows(who.role, def.role)) {
      this.ctx.audit('denied', name, { role: who.role, needs: def.role });
      throw new MldeskError('FORBIDDEN', `${name} needs the ${def.role} role; ${who.name} is a ${who.role}`);
    }
    const parsed = def.input.safeParse(rawInput ?? {});
    if (!parsed.success) throw zodToError(parsed.error, `Invalid input for ${name}`);
    const handler = this.handlers[name as MethodName] as (i: unknown) => unknown;
    return await handler(parsed.data);
  }

  /** Stops launched processes, then closes the store. */
  async close(): Promise<void> {
    for (const d of this.disposers.splice(0)) await d();
    await this.launcher.closeAll();
    this.lod.close();
    this.data.close();
    this.ctx.store.close();
  }
}

export function featureNames(): Feature[] {
  return Object.keys(contract) as Feature[];
}
