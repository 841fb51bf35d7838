import { createGzip } from 'node:zlib';
import * as tar from 'tar-stream';
import YAML from 'yaml';
import type { ClusterSpec } from '../cluster';
import {
  CONTAINER_PORT,
  deploymentManifest,
  dnsLabel,
  ownerLabels,
  selectorLabels,
  serviceName,
  versionAnnotations,
  versionLabels,
  userEnv,
  type Manifest,
} from './manifests';
import { adoptEdited } from './validate';

/**
 * "Export Helm chart": a chart whose templates render (with `helm template --namespace N`) to the manifests mldesk
 * applies for the same settings, so a team can take the deployment into its own GitOps. The settings live in
 * values.yaml; the templates only use common constructs (.Values, .Release.Namespace, quote, toYaml | nindent,
 * if / range). Wizard-edited manifests become templates verbatim (only the namespace is templated).
 */

export interface HelmChart {
  name: string;
  /** Relative paths inside the chart folder → text. */
  files: Record<string, string>;
  /** `helm package`'s layout: `<name>/Chart.yaml`, `<name>/values.yaml`, `<name>/templates/…`, gzipped. */
  tgz: Buffer;
}

type Obj = Record<string, unknown>;
const at = (o: unknown, ...keys: string[]): unknown => keys.reduce<unknown>((v, k) => (typeof v === 'object' && v !== null ? (v as Obj)[k] : undefined), o);

const DEPLOYMENT_TPL = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ .Values.name | quote }}
  namespace: {{ .Release.Namespace | quote }}
  labels:
    {{- toYaml .Values.labels | nindent 4 }}
  annotations:
    {{- toYaml .Values.annotations | nindent 4 }}
spec:
  {{- if not .Values.hpa.enabled }}
  replicas: {{ .Values.replicas }}
  {{- end }}
  revisionHistoryLimit: {{ .Values.revisionHistoryLimit }}
  progressDeadlineSeconds: {{ .Values.progressDeadlineSeconds }}
  selector:
    matchLabels:
      {{- toYaml .Values.selectorLabels | nindent 6 }}
  strategy:
    type: RollingUpdate
    rollingUpdate:
      maxUnavailable: 0
      maxSurge: 1
  template:
    metadata:
      labels:
        {{- toYaml .Values.labels | nindent 8 }}
      annotations:
        {{- toYaml .Values.annotations | nindent 8 }}
    spec:
      containers:
        - name: model
          image: {{ .Values.image | quote }}
          imagePullPolicy: {{ .Values.imagePullPolicy | quote }}
          ports:
            - name: http
              containerPort: {{ .Values.containerPort }}
              protocol: TCP
          env:
            - name: PORT
              value: {{ .Values.containerPort | quote }}
            - name: HOST
              value: "0.0.0.0"
            {{- if .Values.builtin }}
            - name: MLDESK_MODEL_NAME
              value: {{ .Values.model | quote }}
            {{- end }}
            {{- range $name, $value := .Values.env }}
            - name: {{ $name | quote }}
              value: {{ $value | quote }}
            {{- end }}
          resources:
            {{- toYaml .Values.resources | nindent 12 }}
          readinessProbe:
            {{- toYaml .Values.readinessProbe | nindent 12 }}
          livenessProbe:
            {{- toYaml .Values.livenessProbe | nindent 12 }}
`;

const SERVICE_TPL = `apiVersion: v1
kind: Service
metadata:
  name: {{ .Values.serviceName | quote }}
  namespace: {{ .Release.Namespace | quote }}
  labels:
    {{- toYaml .Values.labels | nindent 4 }}
spec:
  type: ClusterIP
  selector:
    {{- toYaml .Values.selectorLabels | nindent 4 }}
  ports:
    - name: http
      port: {{ .Values.port }}
      targetPort: http
      protocol: TCP
`;

const INGRESS_TPL = `{{- if .Values.ingress.enabled }}
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: {{ .Values.name | quote }}
  namespace: {{ .Release.Namespace | quote }}
  labels:
    {{- toYaml .Values.labels | nindent 4 }}
spec:
  {{- if .Values.ingress.className }}
  ingressClassName: {{ .Values.ingress.className | quote }}
  {{- end }}
  rules:
    - host: {{ .Values.ingress.host | quote }}
      http:
        paths:
          - path: {{ .Values.ingress.path | quote }}
            pathType: Prefix
            backend:
              service:
                name: {{ .Values.serviceName | quote }}
                port:
                  number: {{ .Values.port }}
{{- end }}
`;

const HPA_TPL = `{{- if .Values.hpa.enabled }}
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: {{ .Values.name | quote }}
  namespace: {{ .Release.Namespace | quote }}
  labels:
    {{- toYaml .Values.labels | nindent 4 }}
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: {{ .Values.name | quote }}
  minReplicas: {{ .Values.hpa.minReplicas }}
  maxReplicas: {{ .Values.hpa.maxReplicas }}
  metrics:
    - type: Resource
      resource:
        name: cpu
        target:
          type: Utilization
          averageUtilization: {{ .Values.hpa.cpuPercent }}
{{- end }}
`;

/** values.yaml: every setting the templates read, with the off toggles' defaults filled in so they can be flipped. */
export function helmValues(spec: ClusterSpec, namespace: string): Obj {
  const dep = deploymentManifest(spec, namespace);
  const container = at(dep, 'spec', 'template', 'spec', 'containers', '0') as Obj;
  const ing = spec.kubernetes?.ingress;
  const hpa = spec.kubernetes?.hpa;
  return {
    name: dnsLabel(spec.deployment),
    serviceName: serviceName(spec.deployment),
    model: spec.model,
    builtin: spec.builtin,
    image: spec.image,
    imagePullPolicy: container.imagePullPolicy,
    replicas: spec.replicas,
    port: spec.port,
    containerPort: CONTAINER_PORT,
    labels: { ...ownerLabels(spec.deployment, spec.store), ...versionLabels(spec) },
    selectorLabels: selectorLabels(spec.deployment),
    annotations: versionAnnotations(spec),
    env: Object.fromEntries(userEnv(spec)),
    resources: container.resources,
    readinessProbe: container.readinessProbe,
    livenessProbe: container.livenessProbe,
    progressDeadlineSeconds: at(dep, 'spec', 'progressDeadlineSeconds'),
    revisionHistoryLimit: at(dep, 'spec', 'revisionHistoryLimit'),
    ingress: ing ? { enabled: true, host: ing.host, path: ing.path, className: ing.className ?? '' } : { enabled: false, host: 'model.example.com', path: '/', className: '' },
    hpa: hpa ? { enabled: true, ...hpa } : { enabled: false, minReplicas: 1, maxReplicas: Math.max(2, spec.replicas), cpuPercent: 80 },
  };
}

function chartYaml(spec: ClusterSpec, name: string): string {
  return YAML.stringify({
    apiVersion: 'v2',
    name,
    description: `${spec.model} version ${spec.version}, served by the mldesk runtime (exported from mldesk)`,
    type: 'application',
    version: '0.1.0',
    appVersion: String(spec.version),
  });
}

const NS_MARK = '__MLDESK_RELEASE_NAMESPACE__';

/** An edited manifest as a template: verbatim, except the namespace, which is the release's. */
function verbatimTemplate(m: Manifest): string {
  const copy = structuredClone(m);
  const meta = (copy.metadata ?? {}) as Obj;
  meta.namespace = NS_MARK;
  copy.metadata = meta;
  return YAML.stringify(copy, { lineWidth: 0 }).replace(NS_MARK, '{{ .Release.Namespace | quote }}');
}

export async function helmChart(spec: ClusterSpec, namespace: string): Promise<HelmChart> {
  const name = dnsLabel(spec.deployment);
  const files: Record<string, string> = { 'Chart.yaml': chartYaml(spec, name) };
  const edited = spec.kubernetes?.manifests;
  if (edited && edited.length > 0) {
    const ms = adoptEdited(edited, spec, namespace);
    files['values.yaml'] = '# The manifests were edited in the mldesk wizard: the templates are those manifests verbatim\n# (only metadata.namespace follows the release). Nothing here is read by them.\n{}\n';
    const used = new Set<string>();
    for (const m of ms) {
      let file = `templates/${String(m.kind).toLowerCase()}.yaml`;
      for (let i = 2; used.has(file); i++) file = `templates/${String(m.kind).toLowerCase()}-${i}.yaml`;
      used.add(file);
      files[file] = verbatimTemplate(m);
    }
  } else {
    files['values.yaml'] = `# Settings of the ${name} deployment, exported by mldesk. Change them here, then: helm upgrade --install ${name} . --namespace ${namespace}\n${YAML.stringify(helmValues(spec, namespace))}`;
    files['templates/deployment.yaml'] = DEPLOYMENT_TPL;
    files['templates/service.yaml'] = SERVICE_TPL;
    files['templates/ingress.yaml'] = INGRESS_TPL;
    files['templates/hpa.yaml'] = HPA_TPL;
  }
  files['.helmignore'] = '.git/\n*.tgz\n';
  return { name, files, tgz: await packChart(name, files) };
}

/** The chart folder as `helm package` lays it out: `<name>/…` in a gzipped tar, fixed mtimes (same settings → same bytes). */
export async function packChart(name: string, files: Record<string, string>): Promise<Buffer> {
  const pack = tar.pack();
  const gz = createGzip();
  const chunks: Buffer[] = [];
  gz.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<void>((resolve, reject) => {
    gz.on('end', () => resolve());
    gz.on('error', reject);
    pack.on('error', reject);
  });
  pack.pipe(gz);
  const mtime = new Date(Date.UTC(2020, 0, 1));
  for (const dir of [name, `${name}/templates`]) pack.entry({ name: `${dir}/`, type: 'directory', mode: 0o755, mtime });
  for (const [file, text] of Object.entries(files).sort(([a], [b]) => (a < b ? -1 : 1))) {
    pack.entry({ name: `${name}/${file}`, mode: 0o644, mtime }, text);
  }
  pack.finalize();
  await done;
  return Buffer.concat(chunks);
}
