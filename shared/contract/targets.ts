import { z } from 'zod';
import { method } from './define';

/**
 * Deployment targets: where deployments and training runs go. The local Docker engine is always there (`local`);
 * a team adds remote Docker engines (TLS or SSH), Swarm managers and Kubernetes contexts. Secrets (TLS keys, SSH keys,
 * registry passwords, kubeconfigs) are sealed in the data dir's secret store, never in SQLite, logs or messages.
 */

export const targetName = z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'lower-case letters, digits and dashes, at most 63, starting with a letter or digit');
export const LOCAL_TARGET = 'local';

const pem = z.string().min(1).max(256 * 1024);
/** Where images go when the target cannot get them from this machine's engine directly. */
export const registryInput = z
  .object({
    /** host[:port][/namespace], e.g. registry.example.com/team or 127.0.0.1:5000. */
    url: z
      .string()
      .trim()
      .min(1)
      .max(1024)
      .regex(/^[a-z0-9.-]+(:\d{1,5})?(\/[a-z0-9._\/-]+)?$/i, 'host[:port][/path], without a scheme'),
    username: z.string().max(256).optional(),
    password: z.string().max(8192).optional(),
  })
  .strict();

/** The address this machine reaches the target's published ports at (default: the engine's host, 127.0.0.1 for a socket). */
const endpointHost = z
  .string()
  .trim()
  .min(1)
  .max(253)
  .regex(/^[A-Za-z0-9.:-]+$/, 'a host name or IP address');

export const targetInput = z.discriminatedUnion('kind', [
  z
    .object({
      kind: z.literal('docker'),
      name: targetName,
      /** unix:///var/run/docker.sock, tcp://host:2376, ssh://user@host[:port] */
      host: z
        .string()
        .trim()
        .max(2048)
        .regex(/^(unix|tcp|ssh|npipe):\/\/.+/, 'unix://PATH, tcp://HOST:PORT or ssh://USER@HOST[:PORT]'),
      /** Mutual TLS for tcp:// (PEM text: the CLI reads --tls-ca/--tls-cert/--tls-key files, the UI file pickers). */
      tls: z.object({ ca: pem, cert: pem, key: pem }).strict().optional(),
      /** SSH private key (PEM) and its passphrase, or a password, for ssh:// (else the ssh agent). */
      ssh: z.object({ privateKey: pem.optional(), passphrase: z.string().max(4096).optional(), password: z.string().max(4096).optional() }).strict().optional(),
      /** The engine is a Swarm manager: deployments become services with replicas, rolling updates and rollback. */
      swarm: z.boolean().default(false),
      endpointHost: endpointHost.optional(),
      registry: registryInput.optional(),
      /** Replace a target of the same name. */
      replace: z.boolean().default(false),
    })
    .strict(),
  z
    .object({
      kind: z.literal('kubernetes'),
      name: targetName,
      /** The kubeconfig's YAML text (the CLI reads --kubeconfig F). Sealed whole: it holds tokens and client keys. */
      kubeconfig: z.string().min(1).max(1024 * 1024),
      context: z.string().max(512).optional(),
      namespace: z
        .string()
        .regex(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, 'a Kubernetes namespace name')
        .default('default'),
      endpointHost: endpointHost.optional(),
      registry: registryInput.optional(),
      replace: z.boolean().default(false),
    })
    .strict(),
]);
export type TargetInput = z.input<typeof targetInput>;

export const targetKind = z.enum(['docker', 'swarm', 'kubernetes']);
export type TargetKind = z.infer<typeof targetKind>;

export const targetNode = z.object({
  name: z.string(),
  role: z.string().nullable(),
  state: z.string().nullable(),
  cpus: z.number().nullable(),
  memoryBytes: z.number().nullable(),
  /** drain/pause (swarm), cordoned (Kubernetes). */
  availability: z.string().nullable(),
});

export const targetTest = z.object({
  ok: z.boolean(),
  at: z.number(),
  ms: z.number(),
  engine: z.object({ kind: z.enum(['docker', 'kubernetes']), version: z.string(), apiVersion: z.string().nullable(), platform: z.string().nullable() }).nullable(),
  nodes: z.array(targetNode),
  /** What deploying here still needs, in words with the fix (swarm not initialised, namespace missing, no registry…). */
  missing: z.array(z.string()),
  /** Why the connection failed (no secret in it), with a hint. */
  error: z.object({ code: z.string(), message: z.string(), hint: z.string() }).nullable(),
});
export type TargetTest = z.infer<typeof targetTest>;

export const target = z.object({
  name: z.string(),
  kind: targetKind,
  /** The local engine: always present, not removable. */
  builtin: z.boolean(),
  /** The Docker host URL or the Kubernetes API server URL. */
  endpoint: z.string(),
  context: z.string().nullable(),
  namespace: z.string().nullable(),
  tls: z.boolean(),
  endpointHost: z.string(),
  registry: z.object({ url: z.string(), username: z.string().nullable() }).nullable(),
  /** Which secrets are stored for it (names only: "TLS key", "registry password", "kubeconfig"). */
  secrets: z.array(z.string()),
  createdAt: z.number(),
  lastTest: targetTest.nullable(),
});
export type Target = z.infer<typeof target>;

const byName = z.object({ name: targetName }).strict();

export const targetsMethods = {
  list: method('Deployment targets: the local engine first, then the ones added.', z.object({}).strict().default({}), z.array(target), 'viewer'),
  get: method('One target.', byName, target, 'viewer'),
  add: method('Add (or replace) a target; its secrets are sealed in the secret store. Does not connect: call test.', targetInput, target, 'admin'),
  test: method(
    'Connect to a saved target (by name) or an unsaved one (input): engine version, nodes and their resources, what is missing.',
    z.union([byName, z.object({ input: targetInput }).strict()]),
    targetTest,
    // Admin: testing makes the server connect to an address the caller names.
    'admin',
  ),
  remove: method('Remove a target and its secrets (refused while deployments use it).', byName, z.object({ ok: z.literal(true) }), 'admin'),
};
