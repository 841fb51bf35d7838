import { useId, useState } from 'react';
import type { Target, TargetInput, TargetTest } from '../../../../shared/contract/targets';
import { api } from '../../api/client';
import { Dialog } from '../../ui/Dialog';
import { DialogFooter } from '../../ui/DialogFooter';
import { InlineError } from '../../ui/InlineError';
import { Spinner } from '../../ui/Spinner';
import { useDialogAction } from '../../ui/useDialogAction';
import { asMldeskError } from '../../lib/errors';
import { kubeContexts } from './format';
import { TestResult } from './TestResult';

type Kind = 'docker' | 'swarm' | 'kubernetes';
interface PickedFile {
  name: string;
  text: string;
}

/** A file input that reads the chosen file's text (PEM, kubeconfig) and shows its name — never its content. */
function FileField({ label, value, onChange, accept, testId, hint }: { label: string; value: PickedFile | null; onChange: (f: PickedFile | null) => void; accept?: string; testId: string; hint?: string }) {
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <div className="target-file">
        <input
          id={id}
          type="file"
          accept={accept}
          data-testid={testId}
          onChange={(e) => {
            const f = e.target.files?.[0];
            if (!f) return onChange(null);
            void f.text().then((text) => onChange({ name: f.name, text }));
          }}
        />
        {value ? <span className="muted">{value.name} read ({value.text.length} bytes)</span> : null}
      </div>
      {hint ? <span className="field-hint">{hint}</span> : null}
    </div>
  );
}

function TextField({ label, value, onChange, placeholder, testId, hint, type = 'text', mono = false }: { label: string; value: string; onChange: (v: string) => void; placeholder?: string; testId: string; hint?: string; type?: string; mono?: boolean }) {
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input id={id} className={mono ? 'input mono' : 'input'} type={type} value={value} placeholder={placeholder} onChange={(e) => onChange(e.target.value)} data-testid={testId} autoComplete="off" spellCheck={false} />
      {hint ? <span className="field-hint">{hint}</span> : null}
    </div>
  );
}

/** Settings → Targets → Add target: a Docker engine (socket, TLS or SSH), a Swarm manager or a Kubernetes context; Test connection works before saving. */
export function AddTargetDialog({ onClose, onAdded }: { onClose: () => void; onAdded: (t: Target) => void }) {
  const kindId = useId();
  const [kind, setKind] = useState<Kind>('docker');
  const [name, setName] = useState('');
  const [host, setHost] = useState('');
  const [ca, setCa] = useState<PickedFile | null>(null);
  const [cert, setCert] = useState<PickedFile | null>(null);
  const [key, setKey] = useState<PickedFile | null>(null);
  const [sshKey, setSshKey] = useState<PickedFile | null>(null);
  const [sshPassphrase, setSshPassphrase] = useState('');
  const [kubeconfig, setKubeconfig] = useState<PickedFile | null>(null);
  const [context, setContext] = useState('');
  const [namespace, setNamespace] = useState('default');
  const [endpointHost, setEndpointHost] = useState('');
  const [registryUrl, setRegistryUrl] = useState('');
  const [registryUser, setRegistryUser] = useState('');
  const [registryPassword, setRegistryPassword] = useState('');
  const [test, setTest] = useState<TargetTest | null>(null);
  const [testing, setTesting] = useState(false);
  const { busy, error, setError, run } = useDialogAction();
  const contexts = kubeconfig ? kubeContexts(kubeconfig.text) : { contexts: [], current: null };

  const input = (): TargetInput => {
    const common = {
      name: name.trim(),
      ...(endpointHost.trim() ? { endpointHost: endpointHost.trim() } : {}),
      ...(registryUrl.trim()
        ? { registry: { url: registryUrl.trim(), ...(registryUser ? { username: registryUser } : {}), ...(registryPassword ? { password: registryPassword } : {}) } }
        : {}),
    };
    if (kind === 'kubernetes') {
      return { kind: 'kubernetes', ...common, kubeconfig: kubeconfig?.text ?? '', ...(context ? { context } : {}), namespace: namespace.trim() || 'default' };
    }
    const h = host.trim();
    const tls = ca || cert || key ? { ca: ca?.text ?? '', cert: cert?.text ?? '', key: key?.text ?? '' } : undefined;
    const ssh = h.startsWith('ssh://') && sshKey ? { privateKey: sshKey.text, ...(sshPassphrase ? { passphrase: sshPassphrase } : {}) } : undefined;
    return { kind: 'docker', ...common, host: h, swarm: kind === 'swarm', ...(tls && h.startsWith('tcp://') ? { tls } : {}), ...(ssh ? { ssh } : {}) };
  };

  const testConnection = async () => {
    setTesting(true);
    setError(null);
    setTest(null);
    try {
      setTest(await api.targets.test({ input: input() }));
    } catch (e) {
      const err = asMldeskError(e);
      setError({ code: err.code, message: err.message });
    } finally {
      setTesting(false);
    }
  };

  const scheme = host.trim().split('://')[0];
  return (
    <Dialog
      title="Add a deployment target"
      description="Where deployments and training runs go: a Docker engine (this machine’s or a remote one over TLS or SSH), a Swarm manager, or a Kubernetes context. Keys are stored encrypted."
      onClose={onClose}
      busy={busy}
      size="lg"
      testId="add-target-dialog"
      onSubmit={() =>
        void run(async () => {
          const t = await api.targets.add(input());
          onAdded(t);
          onClose();
        })
      }
      footer={
        <>
          <button type="button" className="button" onClick={() => void testConnection()} disabled={busy || testing} data-testid="target-test-button">
            {testing ? <Spinner /> : null}
            Test connection
          </button>
          <DialogFooter busy={busy} onCancel={onClose} label="Add target" busyLabel="Adding…" />
        </>
      }
    >
      <div className="target-form-grid">
        <div className="field">
          <label htmlFor={kindId}>Kind</label>
          <select id={kindId} className="input" value={kind} onChange={(e) => setKind(e.target.value as Kind)} data-testid="target-kind">
            <option value="docker">Docker engine</option>
            <option value="swarm">Docker Swarm manager</option>
            <option value="kubernetes">Kubernetes context</option>
          </select>
        </div>
        <TextField label="Name" value={name} onChange={setName} placeholder="gpu-box" testId="target-name" hint="Lower-case letters, digits and dashes." />
      </div>
      {kind === 'kubernetes' ? (
        <>
          <FileField label="Kubeconfig" value={kubeconfig} onChange={setKubeconfig} testId="target-kubeconfig" hint="Stored encrypted as a whole (it holds tokens and keys)." />
          <div className="target-form-grid">
            <div className="field">
              <label htmlFor={`${kindId}-ctx`}>Context</label>
              <select id={`${kindId}-ctx`} className="input" value={context} onChange={(e) => setContext(e.target.value)} disabled={!contexts.contexts.length} data-testid="target-context">
                <option value="">{contexts.current ? `current (${contexts.current})` : 'current context'}</option>
                {contexts.contexts.map((c) => (
                  <option key={c} value={c}>
                    {c}
                  </option>
                ))}
              </select>
            </div>
            <TextField label="Namespace" value={namespace} onChange={setNamespace} testId="target-namespace" mono />
          </div>
        </>
      ) : (
        <>
          <TextField
            label="Docker host"
            value={host}
            onChange={setHost}
            placeholder="unix:///var/run/docker.sock, tcp://10.0.0.5:2376 or ssh://deploy@10.0.0.5"
            testId="target-host"
            mono
            hint={kind === 'swarm' ? 'The address of a Swarm manager’s engine.' : undefined}
          />
          {scheme === 'tcp' ? (
            <div className="target-form-grid">
              <FileField label="TLS CA (ca.pem)" value={ca} onChange={setCa} accept=".pem,.crt" testId="target-tls-ca" />
              <FileField label="Client certificate (cert.pem)" value={cert} onChange={setCert} accept=".pem,.crt" testId="target-tls-cert" />
              <FileField label="Client key (key.pem)" value={key} onChange={setKey} accept=".pem,.key" testId="target-tls-key" hint="Mutual TLS: all three, from the engine’s CA." />
            </div>
          ) : null}
          {scheme === 'ssh' ? (
            <div className="target-form-grid">
              <FileField label="SSH private key" value={sshKey} onChange={setSshKey} testId="target-ssh-key" hint="Without one, the ssh agent is used." />
              <TextField label="Key passphrase" value={sshPassphrase} onChange={setSshPassphrase} type="password" testId="target-ssh-passphrase" />
            </div>
          ) : null}
        </>
      )}
      <details className="target-advanced">
        <summary>Registry and endpoint (optional)</summary>
        <div className="target-form-grid">
          <TextField label="Registry" value={registryUrl} onChange={setRegistryUrl} placeholder="registry.example.com/team" testId="target-registry" mono hint="Images are pushed here; without one they are streamed to a Docker engine." />
          <TextField label="Endpoint host" value={endpointHost} onChange={setEndpointHost} placeholder="the engine’s host" testId="target-endpoint-host" hint="Where this machine reaches published ports." />
          <TextField label="Registry user" value={registryUser} onChange={setRegistryUser} testId="target-registry-user" />
          <TextField label="Registry password" value={registryPassword} onChange={setRegistryPassword} type="password" testId="target-registry-password" />
        </div>
      </details>
      {testing ? <Spinner label="Connecting…" /> : null}
      {test ? <TestResult test={test} /> : null}
      <InlineError error={error} />
    </Dialog>
  );
}
