/** Words and numbers of the Targets UI (kept apart from the components so they stay testable and reusable). */
import type { Target, TargetKind, TargetTest } from '../../../../shared/contract/targets';

export const KIND_LABELS: Record<TargetKind, string> = { docker: 'Docker', swarm: 'Swarm', kubernetes: 'Kubernetes' };

export const formatCpus = (c: number | null): string => (c === null ? '—' : Number.isInteger(c) ? String(c) : c.toFixed(2));
export const formatMemory = (b: number | null): string => (b === null ? '—' : b >= 2 ** 30 ? `${(b / 2 ** 30).toFixed(1)} GiB` : `${Math.round(b / 2 ** 20)} MiB`);

/** A target's last test in a few words and a tone for its badge. */
export function lastTestSummary(t: TargetTest | null): { text: string; tone: 'ok' | 'warn' | 'danger' | 'neutral' } {
  if (!t) return { text: 'not tested', tone: 'neutral' };
  if (t.error) return { text: `failed: ${t.error.code}`, tone: 'danger' };
  if (!t.ok) return { text: `${t.missing.length} missing`, tone: 'warn' };
  return { text: t.engine ? `ok · ${t.engine.version}` : 'ok', tone: 'ok' };
}

/** "unix:///var/run/docker.sock", "https://k8s:6443 · namespace ml". */
export function endpointLine(t: Target): string {
  return [t.endpoint, t.context ? `context ${t.context}` : null, t.namespace ? `namespace ${t.namespace}` : null, t.registry ? `registry ${t.registry.url}` : null].filter(Boolean).join(' · ');
}

/** The context names of a kubeconfig and its current context (a light reading: the engine validates it for real). */
export function kubeContexts(text: string): { contexts: string[]; current: string | null } {
  const lines = text.split(/\r?\n/);
  const contexts: string[] = [];
  let current: string | null = null;
  let inContexts = false;
  for (const line of lines) {
    const top = /^([A-Za-z-]+):\s*(.*)$/.exec(line);
    if (top) {
      inContexts = top[1] === 'contexts';
      if (top[1] === 'current-context') current = top[2]!.replace(/^["']|["']$/g, '').trim() || null;
      continue;
    }
    if (!inContexts) continue;
    const m = /^\s*-?\s*name:\s*["']?([^"'\s#]+)/.exec(line);
    if (m) contexts.push(m[1]!);
  }
  return { contexts, current };
}
