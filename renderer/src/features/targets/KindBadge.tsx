import type { TargetKind } from '../../../../shared/contract/targets';
import { KIND_LABELS } from './format';

/** Docker / Swarm / Kubernetes, as a small badge. */
export function TargetKindBadge({ kind, builtin = false }: { kind: TargetKind; builtin?: boolean }) {
  return (
    <span className={`badge badge-neutral target-kind target-kind-${kind}`} data-testid="target-kind-badge" data-kind={kind}>
      {KIND_LABELS[kind]}
      {builtin ? ' · this machine' : ''}
    </span>
  );
}
