import { MldeskError } from '../../../../shared/contract';
import { schemaModels } from './lazy';
import type { ClusterSpec } from '../cluster';
import {
  dnsLabel,
  jobManifest,
  KANNOTATION,
  KLABEL,
  manifestsFor,
  ownerLabels,
  serviceName,
  versionAnnotations,
  versionLabels,
  type JobSpec,
  type Manifest,
} from './manifests';

/**
 * Every manifest is checked before it is sent: against the Kubernetes OpenAPI schemas (kubernetes-models, the same
 * JSON schemas the API server's types come from), then for what a schema cannot say (a known kind, DNS names, the
 * target namespace, a selector that selects the pod template). A refusal names the manifest and the JSON path.
 */

export interface ManifestIssue {
  path: string;
  message: string;
}

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const DNS1035_LABEL = /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/;

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const at = (o: unknown, ...keys: string[]): unknown => keys.reduce<unknown>((v, k) => (isObj(v) ? v[k] : undefined), o);

/** `/spec/template/spec/containers/0/ports/0/containerPort` → `spec.template.spec.containers[0].ports[0].containerPort`. */
export function jsonPath(pointer: string, extra?: string): string {
  const parts = pointer
    .split('/')
    .slice(1)
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (extra) parts.push(extra);
  let out = '';
  for (const p of parts) out += /^\d+$/.test(p) ? `[${p}]` : /^[A-Za-z_$][\w$]*$/.test(p) ? (out ? `.${p}` : p) : `[${JSON.stringify(p)}]`;
  return out || '(root)';
}

export function manifestLabel(m: Manifest): string {
  const kind = typeof m.kind === 'string' ? m.kind : '(no kind)';
  const name = at(m, 'metadata', 'name');
  return `${kind} "${typeof name === 'string' ? name : '(no name)'}"`;
}

interface AjvLikeError {
  instancePath?: string;
  message?: string;
  params?: { missingProperty?: string; allowedValues?: unknown[] };
}

/** The schema's verdict on one manifest, as (path, message) pairs. */
export function schemaIssues(m: Manifest): ManifestIssue[] {
  const key = `${String(m.apiVersion)} ${String(m.kind)}`;
  const MODELS = schemaModels();
  const Model = MODELS[key];
  if (!Model) return [{ path: 'kind', message: `${key} is not a kind mldesk sends (${Object.keys(MODELS).join(', ')})` }];
  try {
    new Model(structuredClone(m) as never).validate();
    return [];
  } catch (e) {
    const errs = (e as { errors?: AjvLikeError[] }).errors;
    if (!Array.isArray(errs)) return [{ path: '(root)', message: e instanceof Error ? e.message : String(e) }];
    return errs.map((x) => {
      const missing = x.params?.missingProperty;
      const allowed = x.params?.allowedValues;
      const message = missing ? 'is required' : `${x.message ?? 'is invalid'}${allowed ? ` (${allowed.map((a) => JSON.stringify(a)).join(', ')})` : ''}`;
      return { path: jsonPath(x.instancePath ?? '', missing), message };
    });
  }
}

const LABEL_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

function labelKeyOk(k: string): boolean {
  const slash = k.lastIndexOf('/');
  const [prefix, name] = slash >= 0 ? [k.slice(0, slash), k.slice(slash + 1)] : [null, k];
  if (prefix !== null && (prefix.length > 253 || !DNS1123_SUBDOMAIN.test(prefix))) return false;
  return name.length <= 63 && LABEL_NAME.test(name);
}

/** What the schema cannot express. */
export function semanticIssues(m: Manifest, namespace: string | null): ManifestIssue[] {
  const out: ManifestIssue[] = [];
  const name = at(m, 'metadata', 'name');
  const dns1035 = m.kind === 'Service';
  if (typeof name !== 'string' || !(dns1035 ? DNS1035_LABEL : DNS1123_LABEL).test(name)) {
    out.push({ path: 'metadata.name', message: `must be a DNS-${dns1035 ? '1035' : '1123'} label (lower-case letters, digits and '-', at most 63${dns1035 ? ', starting with a letter' : ''})` });
  }
  const ns = at(m, 'metadata', 'namespace');
  if (namespace !== null && ns !== undefined && ns !== namespace) out.push({ path: 'metadata.namespace', message: `must be the target's namespace "${namespace}"` });
  for (const [where, labels] of [
    ['metadata.labels', at(m, 'metadata', 'labels')],
    ['spec.template.metadata.labels', at(m, 'spec', 'template', 'metadata', 'labels')],
  ] as const) {
    if (!isObj(labels)) continue;
    for (const [k, v] of Object.entries(labels)) {
      if (!labelKeyOk(k)) out.push({ path: `${where}[${JSON.stringify(k)}]`, message: 'is not a valid label key ([prefix/]name, name at most 63 of letters, digits, -_. )' });
      if (typeof v !== 'string' || !/^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/.test(v) || v.length > 63) {
        out.push({ path: `${where}[${JSON.stringify(k)}]`, message: 'must be a label value (at most 63 of letters, digits, -_. , alphanumeric at both ends)' });
      }
    }
  }
  if (m.kind === 'Deployment' || m.kind === 'Job') {
    const tpl = at(m, 'spec', 'template', 'metadata', 'labels');
    const match = at(m, 'spec', 'selector', 'matchLabels');
    if (m.kind === 'Deployment' && (!isObj(match) || Object.keys(match).length === 0)) {
      out.push({ path: 'spec.selector.matchLabels', message: 'is required (the Deployment finds its pods by it)' });
    } else if (isObj(match)) {
      for (const [k, v] of Object.entries(match)) {
        if (!isObj(tpl) || tpl[k] !== v) out.push({ path: `spec.selector.matchLabels[${JSON.stringify(k)}]`, message: `does not select the pod template (spec.template.metadata.labels has no ${k}=${String(v)})` });
      }
    }
    const containers = at(m, 'spec', 'template', 'spec', 'containers');
    if (Array.isArray(containers) && containers.length === 0) out.push({ path: 'spec.template.spec.containers', message: 'needs at least one container' });
  }
  return out;
}

/** Throws INVALID_INPUT naming the manifest and the path when a manifest is not valid. */
export function validateManifest(m: Manifest, namespace: string | null = null): void {
  if (!isObj(m)) throw new MldeskError('INVALID_INPUT', 'A manifest must be an object');
  const issues = [...schemaIssues(m), ...semanticIssues(m, namespace)];
  if (issues.length === 0) return;
  const label = manifestLabel(m);
  throw new MldeskError('INVALID_INPUT', `${label} is not valid: ${issues.map((i) => `${i.path} ${i.message}`).join('; ')}`, { manifest: label, issues });
}

export function validateManifests(ms: Manifest[], namespace: string | null = null): Manifest[] {
  for (const m of ms) validateManifest(m, namespace);
  return ms;
}

/** A Job manifest for a training run on a Kubernetes target, validated. */
export function jobFor(spec: JobSpec): Manifest {
  const job = jobManifest(spec);
  validateManifest(job, spec.namespace);
  return job;
}

const DEPLOY_KINDS = new Set(['Deployment', 'Service', 'Ingress', 'HorizontalPodAutoscaler']);

/**
 * The manifests the wizard edited, made fit to send: the namespace filled in, the mldesk ownership labels and the
 * version labels put back (mldesk finds its objects by them), then validated. Exactly one Deployment and one Service
 * named as mldesk names them (observe, scale and remove find them by name).
 */
export function adoptEdited(edited: Manifest[], spec: ClusterSpec, namespace: string): Manifest[] {
  const name = dnsLabel(spec.deployment);
  const owner = ownerLabels(spec.deployment, spec.store);
  const version = versionLabels(spec);
  const out = edited.map((orig, i) => {
    if (!isObj(orig)) throw new MldeskError('INVALID_INPUT', `Edited manifest #${i + 1} is not an object`);
    const m = structuredClone(orig);
    const kind = typeof m.kind === 'string' ? m.kind : '';
    if (!DEPLOY_KINDS.has(kind)) {
      throw new MldeskError('INVALID_INPUT', `${manifestLabel(m)} (manifest #${i + 1}): kind must be one of Deployment, Service, Ingress, HorizontalPodAutoscaler`, { manifest: manifestLabel(m), issues: [{ path: 'kind', message: 'not allowed' }] });
    }
    const meta = isObj(m.metadata) ? m.metadata : (m.metadata = {});
    if (meta.namespace === undefined) meta.namespace = namespace;
    meta.labels = { ...(isObj(meta.labels) ? meta.labels : {}), ...owner, ...version };
    if (kind === 'Deployment') {
      meta.annotations = { ...(isObj(meta.annotations) ? meta.annotations : {}), ...versionAnnotations(spec) };
      const tplMeta = at(m, 'spec', 'template', 'metadata');
      if (isObj(tplMeta)) {
        tplMeta.labels = { ...(isObj(tplMeta.labels) ? tplMeta.labels : {}), ...owner, ...version };
        tplMeta.annotations = { ...(isObj(tplMeta.annotations) ? tplMeta.annotations : {}), ...versionAnnotations(spec) };
      }
    }
    return m;
  });
  validateManifests(out, namespace);
  const deployments = out.filter((m) => m.kind === 'Deployment');
  const services = out.filter((m) => m.kind === 'Service');
  if (deployments.length !== 1 || at(deployments[0], 'metadata', 'name') !== name) {
    throw new MldeskError('INVALID_INPUT', `The edited manifests must hold exactly one Deployment named "${name}"`, { manifest: 'Deployment', issues: [{ path: 'metadata.name', message: `must be "${name}"` }] });
  }
  if (services.length !== 1 || at(services[0], 'metadata', 'name') !== serviceName(spec.deployment)) {
    throw new MldeskError('INVALID_INPUT', `The edited manifests must hold exactly one Service named "${serviceName(spec.deployment)}"`, { manifest: 'Service', issues: [{ path: 'metadata.name', message: `must be "${serviceName(spec.deployment)}"` }] });
  }
  // Service first, then the Deployment, then the rest (the apply order of the generated set).
  const rank = (m: Manifest) => ['Service', 'Deployment', 'Ingress', 'HorizontalPodAutoscaler'].indexOf(String(m.kind));
  return out.sort((a, b) => rank(a) - rank(b));
}

/** What apply sends: the wizard's edited manifests when there are some, else the generated ones; validated. */
export function manifestsToApply(spec: ClusterSpec, namespace: string): Manifest[] {
  const edited = spec.kubernetes?.manifests;
  if (edited && edited.length > 0) return adoptEdited(edited, spec, namespace);
  return validateManifests(manifestsFor(spec, namespace), namespace);
}

export { KANNOTATION, KLABEL };
