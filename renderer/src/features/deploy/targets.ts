/** Deployment targets as the deploy UI sees them: the list, the last one used per model, the words for a target's state. */
import { useCallback, useEffect, useState } from 'react';
import { LOCAL_TARGET, type Target, type TargetTest } from '../../../../shared/contract/targets';
import { api } from '../../api/client';
import { buildHash } from '../../app/router';
import { asMldeskError } from '../../lib/errors';
import { KIND_LABELS } from '../targets';

/** Kept for the New run dialog, which imports it from here (the same labels as Settings → Targets). */
export const KIND_LABEL = KIND_LABELS;

export type LoadErr = { code: string; message: string };

/** targets.list, local first (the engine already sorts it so; kept stable here whatever it returns). */
export function useTargetList(): { targets: Target[] | null; error: LoadErr | null; reload: () => void } {
  const [targets, setTargets] = useState<Target[] | null>(null);
  const [error, setError] = useState<LoadErr | null>(null);
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let alive = true;
    api.targets.list({}).then(
      (list) => {
        if (!alive) return;
        setTargets(sortTargets(list));
        setError(null);
      },
      (e: unknown) => {
        if (!alive) return;
        const m = asMldeskError(e);
        setError({ code: m.code, message: m.message });
      },
    );
    return () => {
      alive = false;
    };
  }, [tick]);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { targets, error, reload };
}

export function sortTargets(list: readonly Target[]): Target[] {
  return [...list].sort((a, b) => (a.builtin !== b.builtin ? (a.builtin ? -1 : 1) : a.name === LOCAL_TARGET ? -1 : b.name === LOCAL_TARGET ? 1 : a.name.localeCompare(b.name)));
}

/** Settings → Targets, where targets are added and tested. */
export const targetsSettingsHash = (): string => buildHash('/settings', { section: 'targets' });

const KEY = (model: string) => `mldesk.deploy.lastTarget:${model}`;

/** The target this model was last deployed to from this browser ("Deploy to <target>"); `local` by default. */
export function lastTargetFor(model: string): string {
  try {
    return localStorage.getItem(KEY(model)) || LOCAL_TARGET;
  } catch {
    return LOCAL_TARGET;
  }
}

export function rememberTarget(model: string, target: string): void {
  try {
    localStorage.setItem(KEY(model), target);
  } catch {
    // Storage full or disabled: the button falls back to `local`, nothing else depends on it.
  }
}

/** "OK · Docker 20.10.24 · 1 node" / "failed: …" / "not tested yet". */
export function testSummary(t: TargetTest | null): { tone: 'ok' | 'danger' | 'neutral' | 'warn'; text: string } {
  if (!t) return { tone: 'neutral', text: 'not tested yet' };
  if (!t.ok) return { tone: 'danger', text: `test failed: ${t.error?.message ?? 'unreachable'}` };
  const parts = [t.engine ? `${t.engine.kind === 'kubernetes' ? 'Kubernetes' : 'Docker'} ${t.engine.version}` : null, `${t.nodes.length} node${t.nodes.length === 1 ? '' : 's'}`].filter(Boolean);
  if (t.missing.length) return { tone: 'warn', text: `${parts.join(' · ')} · missing: ${t.missing.join('; ')}` };
  return { tone: 'ok', text: `OK · ${parts.join(' · ')}` };
}

/** How a remembered deploy.lastSettings record reads in a tooltip: "replicas 2, CPU 0.5, memory 512 MiB, canary 30 s". */
export function describeSettings(s: Record<string, unknown> | null): string {
  if (!s) return '';
  const out: string[] = [];
  const num = (k: string) => (typeof s[k] === 'number' ? (s[k] as number) : null);
  const rt = s.runtime as { kind?: string } | undefined;
  if (rt?.kind) out.push(rt.kind === 'onnx' ? 'built-in ONNX runtime' : 'custom Dockerfile');
  if (num('replicas') !== null) out.push(`replicas ${num('replicas')}`);
  if (num('cpus') !== null) out.push(`CPU ${num('cpus')}`);
  if (num('memoryMb') !== null) out.push(`memory ${num('memoryMb')} MiB`);
  if (num('port') !== null) out.push(`port ${num('port')}`);
  if (typeof s.transport === 'string' && s.transport !== 'auto') out.push(`transport ${s.transport}`);
  const env = s.env && typeof s.env === 'object' ? Object.keys(s.env) : [];
  if (env.length) out.push(`env ${env.join(', ')}`);
  const canary = s.canary as { windowSec?: number } | undefined;
  if (canary) out.push(`canary ${canary.windowSec ?? 30} s`);
  const k = s.kubernetes as { ingress?: { host?: string }; hpa?: { minReplicas?: number; maxReplicas?: number }; manifests?: unknown[] } | undefined;
  if (k?.ingress?.host) out.push(`ingress ${k.ingress.host}`);
  if (k?.hpa) out.push(`autoscale ${k.hpa.minReplicas ?? '?'}–${k.hpa.maxReplicas ?? '?'}`);
  if (k?.manifests?.length) out.push('edited manifests');
  if (typeof s.name === 'string') out.push(`as ${s.name}`);
  return out.join(', ');
}
