import { useEffect, useMemo, useRef, useState } from 'react';
import type { RunRow } from '../../../../shared/contract';
import { isSystemKey, useCompare, type MetricKeyInfo } from './store';
import type { XMode } from './url';

const X_LABELS: Record<XMode, string> = { step: 'Step', wall: 'Wall time', relative: 'Relative time' };

/** Keys of params and tags across the runs, for the group-by select. */
function groupOptions(runs: readonly RunRow[]): { params: string[]; tags: string[]; systemTags: string[] } {
  const params = new Set<string>();
  const tags = new Set<string>();
  for (const r of runs) {
    for (const k of Object.keys(r.params)) params.add(k);
    for (const k of Object.keys(r.tags)) tags.add(k);
  }
  const sort = (a: string, b: string) => a.localeCompare(b, undefined, { numeric: true });
  const all = [...tags].sort(sort);
  const isSys = (k: string) => k.startsWith('mlflow.') || k.startsWith('mldesk.');
  return { params: [...params].sort(sort), tags: all.filter((k) => !isSys(k)), systemTags: all.filter(isSys) };
}

function SmoothingSlider() {
  const stored = useCompare((s) => s.view.smooth);
  const [value, setValue] = useState(stored);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  // Follow the store when the URL changes it (back/forward, pasted link).
  useEffect(() => {
    if (!timer.current) setValue(stored);
  }, [stored]);
  useEffect(() => () => void (timer.current && clearTimeout(timer.current)), []);
  const commit = (v: number) => {
    if (timer.current) clearTimeout(timer.current);
    timer.current = setTimeout(() => {
      timer.current = null;
      useCompare.getState().setView({ smooth: v }, { debounce: true });
    }, 60);
  };
  return (
    <label className="compare-control compare-smoothing" title="Exponential moving average (TensorBoard-style, debiased); the raw line stays faded behind">
      <span>Smoothing</span>
      <input
        type="range"
        min={0}
        max={0.99}
        step={0.01}
        value={value}
        onChange={(e) => {
          const v = Math.min(0.99, Math.max(0, Math.round(Number(e.target.value) * 100) / 100));
          setValue(v);
          commit(v);
        }}
        data-testid="compare-smoothing"
        aria-valuetext={value.toFixed(2)}
      />
      <span className="tabular compare-smoothing-value">{value.toFixed(2)}</span>
    </label>
  );
}

/** Closes a <details> popover on a click outside it or Escape. */
function useDismiss(ref: React.RefObject<HTMLDetailsElement | null>) {
  useEffect(() => {
    const onDown = (e: PointerEvent) => {
      const el = ref.current;
      if (el?.open && !el.contains(e.target as Node)) el.open = false;
    };
    const onKey = (e: KeyboardEvent) => {
      const el = ref.current;
      if (e.key === 'Escape' && el?.open) {
        el.open = false;
        el.querySelector('summary')?.focus();
      }
    };
    document.addEventListener('pointerdown', onDown);
    document.addEventListener('keydown', onKey);
    return () => {
      document.removeEventListener('pointerdown', onDown);
      document.removeEventListener('keydown', onKey);
    };
  }, [ref]);
}

function KeyPicker({ metricKeys, shown }: { metricKeys: readonly MetricKeyInfo[]; shown: readonly string[] }) {
  const system = useCompare((s) => s.view.system);
  const ref = useRef<HTMLDetailsElement>(null);
  useDismiss(ref);
  const explicit = useCompare((s) => s.view.keys !== null);
  const shownSet = useMemo(() => new Set(shown), [shown]);
  const listed = metricKeys.filter((m) => system || !isSystemKey(m.key) || shownSet.has(m.key));
  const setKeys = (keys: string[] | null) => useCompare.getState().setView({ keys });
  const toggle = (key: string) => {
    const next = shownSet.has(key) ? shown.filter((k) => k !== key) : [...shown, key];
    const order = new Map(metricKeys.map((m, i) => [m.key, i]));
    next.sort((a, b) => (order.get(a) ?? 1e9) - (order.get(b) ?? 1e9));
    setKeys(next);
  };
  return (
    <details ref={ref} className="compare-keys">
      <summary className="button button-sm" data-testid="compare-keys">
        Metrics <span className="count-pill">{shown.length}</span>
      </summary>
      <div className="compare-keys-pop">
        <div className="compare-keys-list">
          {listed.map((m) => (
            <label key={m.key} className="compare-check" title={`${m.runs} run${m.runs === 1 ? '' : 's'} logged ${m.key}`}>
              <input type="checkbox" checked={shownSet.has(m.key)} onChange={() => toggle(m.key)} data-testid="compare-key-option" data-key={m.key} />
              <span className="mono truncate">{m.key}</span>
              <span className="muted small">{m.runs}</span>
            </label>
          ))}
          {listed.length === 0 ? <p className="muted small">No metrics logged by these runs.</p> : null}
        </div>
        {explicit ? (
          <button type="button" className="link-button small" onClick={() => setKeys(null)}>
            Back to all metrics
          </button>
        ) : null}
      </div>
    </details>
  );
}

/** View settings: metrics, x axis, smoothing, outlier clipping, grouping. */
export function CompareToolbar({ runs, metricKeys, shown }: { runs: readonly RunRow[]; metricKeys: readonly MetricKeyInfo[]; shown: readonly string[] }) {
  const x = useCompare((s) => s.view.x);
  const clip = useCompare((s) => s.view.clip);
  const group = useCompare((s) => s.view.group);
  const band = useCompare((s) => s.view.band);
  const system = useCompare((s) => s.view.system);
  const opts = useMemo(() => groupOptions(runs), [runs]);
  const set = useCompare.getState().setView;
  const toggleSystem = (on: boolean) => {
    // An explicit key list follows the toggle too: add / remove the system keys.
    const keys = useCompare.getState().view.keys;
    if (keys === null) set({ system: on });
    else if (on) set({ system: on, keys: [...keys, ...metricKeys.map((m) => m.key).filter((k) => isSystemKey(k) && !keys.includes(k))] });
    else set({ system: on, keys: keys.filter((k) => !isSystemKey(k)) });
  };
  const known = group === null || opts.params.some((k) => `params.${k}` === group) || [...opts.tags, ...opts.systemTags].some((k) => `tags.${k}` === group);
  return (
    <div className="compare-toolbar">
      <KeyPicker metricKeys={metricKeys} shown={shown} />
      <label className="compare-check compare-control" title="Include system/* metrics (CPU, memory, GPU) in the charts">
        <input type="checkbox" checked={system} onChange={(e) => toggleSystem(e.target.checked)} data-testid="compare-system-toggle" />
        System metrics
      </label>
      <label className="compare-control">
        <span>X axis</span>
        <select className="input input-sm" value={x} onChange={(e) => set({ x: e.target.value as XMode })} data-testid="compare-x-axis">
          {(Object.keys(X_LABELS) as XMode[]).map((m) => (
            <option key={m} value={m}>
              {X_LABELS[m]}
            </option>
          ))}
        </select>
      </label>
      <SmoothingSlider />
      <label className="compare-check compare-control" title="Clip the y-axis to the 1st–99th percentile of the visible values (outliers run off the chart)">
        <input type="checkbox" checked={clip} onChange={(e) => set({ clip: e.target.checked })} data-testid="compare-clip-toggle" />
        Clip outliers
      </label>
      <label className="compare-control">
        <span>Group by</span>
        <select className="input input-sm compare-group-select" value={group ?? ''} onChange={(e) => set({ group: e.target.value || null })} data-testid="compare-group-by">
          <option value="">No grouping</option>
          {!known && group ? <option value={group}>{group}</option> : null}
          {opts.params.length > 0 ? (
            <optgroup label="Params">
              {opts.params.map((k) => (
                <option key={k} value={`params.${k}`}>
                  {k}
                </option>
              ))}
            </optgroup>
          ) : null}
          {opts.tags.length > 0 ? (
            <optgroup label="Tags">
              {opts.tags.map((k) => (
                <option key={k} value={`tags.${k}`}>
                  {k}
                </option>
              ))}
            </optgroup>
          ) : null}
          {opts.systemTags.length > 0 ? (
            <optgroup label="System tags">
              {opts.systemTags.map((k) => (
                <option key={k} value={`tags.${k}`}>
                  {k}
                </option>
              ))}
            </optgroup>
          ) : null}
        </select>
      </label>
      <label className={`compare-control${group ? '' : ' compare-control-idle'}`} title={group ? 'Band drawn around each group mean' : 'Band around each group mean (used once runs are grouped)'}>
        <span>Band</span>
        <select className="input input-sm" value={band} onChange={(e) => set({ band: e.target.value === 'std' ? 'std' : 'minmax' })} data-testid="compare-band">
          <option value="minmax">Min – max</option>
          <option value="std">Mean ± std</option>
        </select>
      </label>
    </div>
  );
}
