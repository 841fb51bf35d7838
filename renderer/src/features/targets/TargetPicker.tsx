import { useEffect, useId, useState } from 'react';
import type { Target } from '../../../../shared/contract/targets';
import { api } from '../../api/client';
import { asMldeskError } from '../../lib/errors';
import { KIND_LABELS } from './format';
import { TargetKindBadge } from './KindBadge';

export interface TargetPickerProps {
  value: string;
  onChange: (name: string, target: Target | null) => void;
  label?: string;
  disabled?: boolean;
  /** Only these kinds are offered (e.g. Swarm and Kubernetes for a training run). */
  kinds?: ReadonlyArray<Target['kind']>;
  testId?: string;
}

/**
 * A select of the deployment targets (targets.list: the local engine first) with the chosen one's kind as a badge.
 * Reused by the deploy wizard and the New run dialog.
 */
export function TargetPicker({ value, onChange, label = 'Target', disabled = false, kinds, testId = 'target-picker' }: TargetPickerProps) {
  const id = useId();
  const [targets, setTargets] = useState<Target[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let alive = true;
    api.targets.list({}).then(
      (list) => alive && setTargets(list),
      (e: unknown) => alive && setError(asMldeskError(e).message),
    );
    return () => {
      alive = false;
    };
  }, []);
  const offered = (targets ?? []).filter((t) => !kinds || kinds.includes(t.kind));
  const chosen = offered.find((t) => t.name === value) ?? null;
  return (
    <div className="field target-picker">
      <label htmlFor={id}>{label}</label>
      <div className="field-row">
        <select
          id={id}
          className="input"
          value={chosen ? value : ''}
          disabled={disabled || targets === null}
          data-testid={testId}
          onChange={(e) => onChange(e.target.value, offered.find((t) => t.name === e.target.value) ?? null)}
        >
          {targets === null ? <option value="">Loading targets…</option> : null}
          {targets !== null && !chosen ? <option value="">Choose a target</option> : null}
          {offered.map((t) => (
            <option key={t.name} value={t.name}>
              {t.name} — {KIND_LABELS[t.kind]}
              {t.builtin ? ' (this machine)' : ''}
            </option>
          ))}
        </select>
        {chosen ? <TargetKindBadge kind={chosen.kind} builtin={chosen.builtin} /> : null}
      </div>
      {error ? (
        <p className="field-error" role="alert">
          {error}
        </p>
      ) : null}
    </div>
  );
}
