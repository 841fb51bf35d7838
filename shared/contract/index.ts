import type { z } from 'zod';
import { appMethods, appTopics } from './app';
import { projectsMethods, projectsTopics } from './projects';
import { trackingMethods, trackingTopics } from './tracking';
import { launcherMethods, launcherTopics } from './launcher';
import { compareMethods } from './compare';
import { viewsMethods, viewsTopics } from './views';
import { dataMethods } from './data';
import { usersMethods } from './users';
import { modelsMethods } from './models';
import { jobsMethods, jobsTopics } from './jobs';
import { containersMethods } from './containers';
import { deployMethods, deployTopics } from './deploy';
import { monitorMethods, monitorTopics } from './monitor';
import { targetsMethods } from './targets';
import { insightMethods } from './insight';
import type { MethodDef, TopicDef } from './define';

/** The single source of truth: every method both hosts expose, grouped by feature. */
export const contract = {
  app: appMethods,
  projects: projectsMethods,
  tracking: trackingMethods,
  launcher: launcherMethods,
  compare: compareMethods,
  views: viewsMethods,
  data: dataMethods,
  users: usersMethods,
  models: modelsMethods,
  jobs: jobsMethods,
  containers: containersMethods,
  deploy: deployMethods,
  monitor: monitorMethods,
  targets: targetsMethods,
  insight: insightMethods,
} as const;

export const topics = {
  ...appTopics,
  ...projectsTopics,
  ...trackingTopics,
  ...launcherTopics,
  ...viewsTopics,
  ...jobsTopics,
  ...deployTopics,
  ...monitorTopics,
} as const;

export type Contract = typeof contract;
export type Feature = keyof Contract;
export type MethodName = { [F in Feature]: `${F}.${Extract<keyof Contract[F], string>}` }[Feature];
type Lookup<N extends MethodName> = N extends `${infer F extends Feature}.${infer M}`
  ? M extends keyof Contract[F]
    ? Contract[F][M] extends MethodDef
      ? Contract[F][M]
      : never
    : never
  : never;
/** What a caller may pass (defaults still optional). */
export type Input<N extends MethodName> = z.input<Lookup<N>['input']>;
/** What a handler receives after validation. */
export type ParsedInput<N extends MethodName> = z.output<Lookup<N>['input']>;
export type Output<N extends MethodName> = z.output<Lookup<N>['output']>;

export type Topics = typeof topics;
export type TopicName = keyof Topics;
export type TopicPayload<T extends TopicName> = z.output<Topics[T]['payload']>;

type ClientFn<I extends z.ZodType, O extends z.ZodType> = undefined extends z.input<I>
  ? (input?: z.input<I>) => Promise<z.output<O>>
  : (input: z.input<I>) => Promise<z.output<O>>;

/** Typed client surface: api.projects.list({}) */
export type Api = {
  [F in Feature]: {
    [M in keyof Contract[F]]: Contract[F][M] extends MethodDef<infer I, infer O> ? ClientFn<I, O> : never;
  };
};

export function methodNames(): MethodName[] {
  return (Object.keys(contract) as Feature[]).flatMap((f) => Object.keys(contract[f]).map((m) => `${f}.${m}` as MethodName));
}

export function lookupMethod(name: string): MethodDef | undefined {
  const dot = name.indexOf('.');
  if (dot < 0) return undefined;
  const feature = name.slice(0, dot);
  const m = name.slice(dot + 1);
  if (!Object.hasOwn(contract, feature)) return undefined;
  const group = contract[feature as Feature] as Record<string, MethodDef>;
  return Object.hasOwn(group, m) ? group[m] : undefined;
}

export function isTopic(name: string): name is TopicName {
  return Object.hasOwn(topics, name);
}

export type { MethodDef, TopicDef };
export * from './errors';
export * from './app';
export * from './projects';
export * from './tracking';
export * from './launcher';
export * from './compare';
export * from './views';
export * from './data';
export * from './users';
export * from './models';
export * from './jobs';
export * from './containers';
export * from './deploy';
export * from './monitor';
export * from './targets';
export * from './insight';
export * from './roles';
export { HTTP_RPC_PREFIX, HTTP_EVENTS_PATH } from './bridge';

/** What the engine implements for each method (after validation). Features type their maps with FeatureHandlers. */
export type Handlers = {
  [N in MethodName]: (input: ParsedInput<N>) => Promise<Output<N>> | Output<N>;
};
/** The handlers of one feature, e.g. FeatureHandlers<'deploy'>. */
export type FeatureHandlers<F extends Feature> = { [K in keyof Handlers as K extends `${F}.${string}` ? K : never]: Handlers[K] };
