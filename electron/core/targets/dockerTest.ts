import type Docker from 'dockerode';
import type { TargetTest } from '../../../shared/contract/targets';
import { bounded, type Endpoint } from '../containers/engine';
import { dockerProblem } from './errors';

/** What a connection test finds, before timing; `blocking` missing items make the test not ok. */
export interface Findings {
  engine: TargetTest['engine'];
  nodes: TargetTest['nodes'];
  missing: string[];
  blocking: boolean;
  error: TargetTest['error'];
}

export interface DockerTestOptions {
  swarm: boolean;
  /** The engine runs on this machine: images built here are already there. */
  onThisMachine: boolean;
  registry: boolean;
  timeoutMs: number;
}

interface VersionAnswer {
  Version?: string;
  ApiVersion?: string;
  Os?: string;
  Arch?: string;
}
interface InfoAnswer {
  Name?: string;
  NCPU?: number;
  MemTotal?: number;
  OSType?: string;
  Swarm?: { LocalNodeState?: string; ControlAvailable?: boolean; Nodes?: number };
}
interface NodeAnswer {
  Description?: { Hostname?: string; Resources?: { NanoCPUs?: number; MemoryBytes?: number } };
  Spec?: { Role?: string; Availability?: string };
  Status?: { State?: string };
  ManagerStatus?: { Leader?: boolean };
}

/**
 * Docker engine (or Swarm manager) test: version, info, nodes, and what deploying there still needs. Every call is
 * bounded; a failure becomes `error` with a hint (never a throw).
 */
export async function testDocker(docker: Docker, ep: Endpoint, o: DockerTestOptions): Promise<Findings> {
  const none: Findings = { engine: null, nodes: [], missing: [], blocking: true, error: null };
  try {
    const v = await bounded(o.timeoutMs, (signal) => docker.version({ abortSignal: signal } as never) as unknown as Promise<VersionAnswer>);
    if (!v || typeof v !== 'object' || typeof v.ApiVersion !== 'string') {
      return { ...none, error: { code: 'NOT_DOCKER', message: `${ep.host} answered, but not as a Docker engine`, hint: 'Point the target at the Docker engine’s API address.' } };
    }
    const engine = { kind: 'docker' as const, version: v.Version ?? 'unknown', apiVersion: v.ApiVersion, platform: v.Os && v.Arch ? `${v.Os}/${v.Arch}` : null };
    const info = await bounded(o.timeoutMs, (signal) => docker.info({ abortSignal: signal } as never) as unknown as Promise<InfoAnswer>);
    const missing: string[] = [];
    let blocking = false;
    const os = v.Os ?? info.OSType;
    if (os && os !== 'linux') {
      missing.push(`The engine runs ${os} containers; mldesk images are Linux images: switch it to Linux containers.`);
      blocking = true;
    }
    const swarmState = info.Swarm?.LocalNodeState ?? 'inactive';
    const manager = swarmState === 'active' && info.Swarm?.ControlAvailable === true;
    let nodes: Findings['nodes'];
    if (o.swarm && manager) {
      const list = await bounded(o.timeoutMs, (signal) => docker.listNodes({ abortSignal: signal } as never) as unknown as Promise<NodeAnswer[]>);
      nodes = list.map((n) => ({
        name: n.Description?.Hostname ?? 'unknown',
        role: n.Spec?.Role ?? null,
        state: n.Status?.State ?? null,
        cpus: typeof n.Description?.Resources?.NanoCPUs === 'number' ? n.Description.Resources.NanoCPUs / 1e9 : null,
        memoryBytes: n.Description?.Resources?.MemoryBytes ?? null,
        availability: n.Spec?.Availability ?? null,
      }));
      if (!nodes.some((n) => n.state === 'ready' && n.availability === 'active')) {
        missing.push('No Swarm node is ready and active: tasks cannot be scheduled (docker node update --availability active NODE).');
        blocking = true;
      }
      if (nodes.length > 1 && !o.registry) {
        missing.push(`The swarm has ${nodes.length} nodes but no registry is set: an image streamed to the manager (save → load) is not on the other nodes. Add a registry (--registry URL) they can pull from.`);
      }
    } else {
      nodes = [{ name: info.Name ?? 'engine', role: swarmState === 'active' ? (info.Swarm?.ControlAvailable ? 'manager' : 'worker') : null, state: 'ready', cpus: info.NCPU ?? null, memoryBytes: info.MemTotal ?? null, availability: null }];
      if (o.swarm) {
        missing.push(
          swarmState === 'active'
            ? 'This engine is a Swarm worker, not a manager: point the target at a manager node (docker node ls works there).'
            : 'The engine is not a Swarm manager: run `docker swarm init` on it (or add it as a plain Docker target).',
        );
        blocking = true;
      }
    }
    if (!o.onThisMachine && !o.registry && !(o.swarm && nodes.length > 1)) {
      missing.push('No registry: images are streamed to the engine (save → load), sending the layers it lacks; add --registry URL to push there instead.');
    }
    return { engine, nodes, missing, blocking, error: null };
  } catch (e) {
    return { ...none, error: dockerProblem(e, ep, o.timeoutMs) };
  }
}
