/** The review step for cluster targets: the swarm service spec (read-only) or the Kubernetes manifests (editable YAML) + Export Helm chart. */
import { useId, useState } from 'react';
import { parseAllDocuments, stringify } from 'yaml';
import type { DeployInput, DeployPlan } from '../../../../shared/contract';
import { api } from '../../api/client';
import { toast } from '../../app/toasts';
import { CodeBlock } from '../../ui/CopyButton';
import { Spinner } from '../../ui/Spinner';

type Manifest = Record<string, unknown>;

/** Manifests as one multi-document YAML text (what `kubectl apply -f` reads). */
export function manifestsToYaml(ms: readonly Manifest[]): string {
  return ms.map((m) => stringify(m, { lineWidth: 0 })).join('---\n');
}

export type ParsedManifests = { ok: true; manifests: Manifest[] } | { ok: false; message: string };

/** The edited text back to manifests: YAML errors with their line, documents that are not objects with a kind. */
export function parseManifests(text: string): ParsedManifests {
  let docs;
  try {
    docs = parseAllDocuments(text);
  } catch (e) {
    return { ok: false, message: e instanceof Error ? e.message : String(e) };
  }
  const list = Array.isArray(docs) ? docs : [];
  const manifests: Manifest[] = [];
  for (const [i, doc] of list.entries()) {
    const bad = doc.errors[0];
    if (bad) {
      const line = bad.linePos?.[0]?.line;
      return { ok: false, message: `${line ? `Line ${line}: ` : `Document ${i + 1}: `}${bad.message.split('\n')[0]}` };
    }
    const value: unknown = doc.toJS();
    if (value === null || value === undefined) continue; // an empty document (a trailing ---)
    if (typeof value !== 'object' || Array.isArray(value)) return { ok: false, message: `Document ${i + 1} is not a mapping (a Kubernetes object)` };
    const obj = value as Manifest;
    if (typeof obj.kind !== 'string' || typeof obj.apiVersion !== 'string') return { ok: false, message: `Document ${i + 1} needs apiVersion and kind` };
    manifests.push(obj);
  }
  if (manifests.length === 0) return { ok: false, message: 'No manifests: keep at least the Deployment and the Service' };
  if (manifests.length > 20) return { ok: false, message: 'At most 20 manifests' };
  return { ok: true, manifests };
}

/** Saves base64 bytes as a file (a download in a browser, the save dialog in Electron). */
export function downloadBase64(base64: string, fileName: string, type = 'application/gzip'): void {
  const bin = atob(base64);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  const url = URL.createObjectURL(new Blob([bytes], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

function HelmExport({ input }: { input: () => DeployInput }) {
  const [busy, setBusy] = useState(false);
  const exportChart = async () => {
    setBusy(true);
    try {
      const chart = await api.deploy.helmChart(input());
      const file = `${chart.name}-chart.tgz`;
      downloadBase64(chart.tgzBase64, file);
      toast.success(`Saved ${file} (${Object.keys(chart.files).length} files)`);
    } catch (e) {
      toast.error(e, 'Could not export the Helm chart');
    } finally {
      setBusy(false);
    }
  };
  return (
    <button type="button" className="button button-sm" onClick={() => void exportChart()} disabled={busy} aria-busy={busy || undefined} data-testid="export-helm" title="A chart (Chart.yaml, values.yaml, templates/) that renders to these manifests">
      {busy ? <Spinner /> : null}
      Export Helm chart
    </button>
  );
}

/**
 * `text` is the user's edit (null: not edited, the generated manifests are shown and sent).
 * `parsed` is its parse result, owned by the wizard because the deploy input depends on it.
 */
export function ManifestReview({
  plan,
  text,
  parsed,
  onText,
  input,
  onReplan,
  replanning,
}: {
  plan: DeployPlan;
  text: string | null;
  parsed: ParsedManifests | null;
  onText: (t: string | null) => void;
  input: () => DeployInput;
  onReplan: () => void;
  replanning: boolean;
}) {
  const areaId = useId();
  const errId = useId();
  if (plan.targetKind === 'swarm') {
    return (
      <>
        <h3 className="section-title">Service spec</h3>
        <p className="small muted">What the swarm manager is sent (replicas, limits, health check, update and rollback policy).</p>
        <CodeBlock code={manifestsToYaml(plan.manifests)} label="Service spec" testId="plan-manifests" />
      </>
    );
  }
  if (plan.targetKind !== 'kubernetes') return null;
  const generated = manifestsToYaml(plan.manifests);
  const shown = text ?? generated;
  const error = parsed && !parsed.ok ? parsed.message : null;
  const kinds = plan.manifests.map((m) => String(m.kind ?? '?'));
  return (
    <>
      <div className="deploy-card-head wizard-manifests-head">
        <h3 className="section-title">
          <label htmlFor={areaId}>Manifests</label> <span className="muted small">({kinds.join(', ')})</span>
        </h3>
        <div className="button-row">
          {text !== null ? (
            <>
              <button type="button" className="button button-sm" onClick={onReplan} disabled={replanning || !!error} data-testid="manifests-check" title="Validate the edited manifests against the Kubernetes schemas">
                {replanning ? <Spinner /> : null}
                Check
              </button>
              <button type="button" className="button button-sm" onClick={() => onText(null)} data-testid="manifests-reset">
                Reset to generated
              </button>
            </>
          ) : null}
          <HelmExport input={input} />
        </div>
      </div>
      <p className="small muted">
        Applied with server-side apply (field manager <code>mldesk</code>), after validation against the Kubernetes schemas.
        {text !== null ? ' Your edits are sent instead of the generated manifests; settings changed in earlier steps no longer reach them until you reset.' : ' Edit them here if you need to.'}
      </p>
      <textarea
        id={areaId}
        className={`input textarea mono wizard-manifests${error ? ' invalid' : ''}`}
        value={shown}
        onChange={(e) => onText(e.target.value === generated ? null : e.target.value)}
        spellCheck={false}
        rows={Math.min(28, Math.max(10, shown.split('\n').length + 1))}
        aria-invalid={!!error || undefined}
        aria-describedby={error ? errId : undefined}
        data-testid="plan-manifests"
        data-edited={text !== null || undefined}
      />
      {error ? (
        <p id={errId} className="field-error" role="alert" data-testid="manifests-error">
          Invalid manifests: {error}
        </p>
      ) : null}
    </>
  );
}
