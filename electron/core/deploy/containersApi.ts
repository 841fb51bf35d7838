import type Dockerode from 'dockerode';
import type { EngineStatus, ModelImage, RuntimeChoice } from '../../../shared/contract';
import type { JobReporter } from '../jobs';
import type { ResolvedModel } from '../containers';

export type { ResolvedModel };

/** What deploy uses of the containers feature (its public face, electron/core/containers). */
export interface ContainersApi {
  docker(): Dockerode;
  /** Never throws; `problem.hint` says how to fix an unreachable engine. */
  status(): Promise<EngineStatus>;
  /** Throws MldeskError('UNAVAILABLE', message with the hint) when the engine cannot be reached. */
  requireEngine(): Promise<Dockerode>;
  resolveModel(ref: { model: string; version?: string; alias?: string }): Promise<ResolvedModel>;
  /** The base + runtime image (node at /usr/local/bin/node, /app/server.js, /app/proxy.js); built when missing. */
  runtimeImage(r?: JobReporter): Promise<string>;
  /** The image of a model version (reused when one matches). */
  buildModelImage(ref: { model: string; version?: string; alias?: string }, r?: JobReporter): Promise<ModelImage>;
  buildCustomImage(spec: { model: string; version: string; context: string; dockerfile: string }, r?: JobReporter): Promise<ModelImage>;
  dockerfileFor(ref: { model: string; version?: string; alias?: string; runtime?: RuntimeChoice }): Promise<{ dockerfile: string; base: string }>;
  images(model?: string): Promise<ModelImage[]>;
}
