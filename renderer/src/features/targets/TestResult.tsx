import type { TargetTest } from '../../../../shared/contract/targets';
import { formatCpus, formatMemory } from './format';

/** A connection test: the engine, its nodes with CPU/memory, what is missing, and the error with how to fix it. */
export function TestResult({ test }: { test: TargetTest }) {
  return (
    <div className={`target-test ${test.ok ? 'ok' : 'not-ok'}`} data-testid="target-test-result" data-ok={test.ok}>
      {test.engine ? (
        <p data-testid="target-test-engine">
          <span className={`badge ${test.ok ? 'badge-ok' : 'badge-warn'}`}>{test.ok ? 'Connected' : 'Connected, not ready'}</span>{' '}
          {test.engine.kind === 'kubernetes' ? 'Kubernetes' : 'Docker Engine'} <span className="mono">{test.engine.version}</span>
          {test.engine.apiVersion ? <span className="muted"> · API {test.engine.apiVersion}</span> : null}
          {test.engine.platform ? <span className="muted"> · {test.engine.platform}</span> : null}
          <span className="muted"> · {test.ms} ms</span>
        </p>
      ) : null}
      {test.nodes.length ? (
        <div className="table-wrap">
          <table className="data-table target-nodes" data-testid="target-test-nodes">
            <thead>
              <tr>
                <th>Node</th>
                <th>Role</th>
                <th>State</th>
                <th>Availability</th>
                <th>CPUs</th>
                <th>Memory</th>
              </tr>
            </thead>
            <tbody>
              {test.nodes.map((n) => (
                <tr key={n.name}>
                  <td className="mono">{n.name}</td>
                  <td>{n.role ?? '—'}</td>
                  <td>{n.state ?? '—'}</td>
                  <td>{n.availability ?? '—'}</td>
                  <td>{formatCpus(n.cpus)}</td>
                  <td>{formatMemory(n.memoryBytes)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      {test.missing.length ? (
        <div data-testid="target-test-missing">
          <p className="small">
            <strong>Missing</strong>
          </p>
          <ul className="target-missing">
            {test.missing.map((m) => (
              <li key={m}>{m}</li>
            ))}
          </ul>
        </div>
      ) : null}
      {test.error ? (
        <div className="field-error" role="alert" data-testid="target-test-error">
          <p>
            <code className="error-code">{test.error.code}</code> {test.error.message}
          </p>
          <p>
            <strong>How to fix it:</strong> {test.error.hint}
          </p>
        </div>
      ) : null}
    </div>
  );
}
