import { redact } from '../secrets';
import { diagnose, type Endpoint } from '../containers/engine';

/** Why a connection to a target failed, in words and with the fix — never with a secret in it. */
export interface TargetProblem {
  code: string;
  message: string;
  hint: string;
}

const codeOf = (e: unknown): string => {
  const x = e as { code?: unknown; name?: unknown } | null;
  if (x && typeof x.code === 'string') return x.code;
  if (x && x.name === 'AbortError') return 'ABORTED';
  return '';
};
const messageOf = (e: unknown): string => (e instanceof Error ? e.message : String(e));
const statusOf = (e: unknown): number | null => {
  const s = (e as { statusCode?: unknown; status?: unknown } | null)?.statusCode ?? (e as { status?: unknown } | null)?.status;
  return typeof s === 'number' ? s : null;
};

const PEER_REFUSED_CERT = /ALERT_(BAD_CERTIFICATE|UNKNOWN_CA|CERTIFICATE_REQUIRED|CERTIFICATE_UNKNOWN|ACCESS_DENIED|HANDSHAKE_FAILURE)/;
const SERVER_CERT_UNTRUSTED = new Set(['UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'SELF_SIGNED_CERT_IN_CHAIN', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'UNABLE_TO_GET_ISSUER_CERT', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'CERT_SIGNATURE_FAILURE', 'CERT_UNTRUSTED']);

/**
 * TLS failures of either side, named for what the user must change. `flags` says how certificates are given
 * (Docker targets: --tls-ca/--tls-cert/--tls-key; Kubernetes: the kubeconfig).
 */
function tlsProblem(e: unknown, where: string, kube: boolean): TargetProblem | null {
  const code = codeOf(e);
  const msg = messageOf(e);
  const fix = kube
    ? 'The kubeconfig’s certificate-authority-data must be the cluster’s CA, and its client-certificate/client-key must be ones the cluster accepts; export a fresh kubeconfig and add the target again.'
    : null;
  if (PEER_REFUSED_CERT.test(code) || /alert (bad certificate|unknown ca|certificate required)/i.test(msg)) {
    return {
      code: 'TLS',
      message: `${where} refused this client certificate during the TLS handshake (${msg.replace(/^.*:(?=[^:]*$)/, '').trim() || code})`,
      hint: fix ?? 'Give a client certificate and key signed by the CA the engine trusts (dockerd --tlscacert): --tls-cert cert.pem --tls-key key.pem, with --tls-ca ca.pem.',
    };
  }
  if (SERVER_CERT_UNTRUSTED.has(code)) {
    return {
      code: 'TLS',
      message: `The certificate of ${where} is not signed by the given CA (${msg})`,
      hint: fix ?? '--tls-ca must be the CA that signed the engine’s certificate (the ca.pem dockerd was started with: --tlscacert).',
    };
  }
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    return { code: 'TLS', message: `The certificate of ${where} does not name that host (${msg})`, hint: fix ?? 'Connect by a name or IP the engine’s certificate lists (its subjectAltName), or reissue the certificate with it.' };
  }
  if (code === 'CERT_HAS_EXPIRED' || code === 'CERT_NOT_YET_VALID') {
    return { code: 'TLS', message: `A certificate in the TLS handshake with ${where} is not valid now (${msg})`, hint: fix ?? 'Renew the expired certificate (engine or client), then add the target again with --tls-ca/--tls-cert/--tls-key.' };
  }
  if (code === 'EPROTO' || /wrong version number|packet length too long/i.test(msg)) {
    return { code: 'TLS', message: `${where} does not speak TLS (${msg})`, hint: 'The engine listens without TLS: drop --tls-ca/--tls-cert/--tls-key, or start dockerd with --tlsverify.' };
  }
  if (/^ERR_SSL_|^ERR_TLS_|_CERT/.test(code) || /certificate|ssl|tls/i.test(msg)) {
    return { code: 'TLS', message: `The TLS handshake with ${where} failed (${msg})`, hint: fix ?? 'Check --tls-ca, --tls-cert and --tls-key: they must come from the engine’s CA.' };
  }
  return null;
}

/** A failed Docker call → a problem with a hint (reusing containers/engine.ts's diagnosis for the common cases). */
export function dockerProblem(e: unknown, ep: Endpoint, timeoutMs: number): TargetProblem {
  const where = `The Docker engine at ${ep.host}`;
  const p = ((): TargetProblem => {
    const code = codeOf(e);
    const status = statusOf(e);
    const msg = messageOf(e);
    if (code === 'TIMEOUT' || code === 'ABORTED' || code === 'ETIMEDOUT' || code === 'ESOCKETTIMEDOUT' || /timed? ?out/i.test(msg)) {
      return {
        code: 'TIMEOUT',
        message: `${where} did not answer within ${Math.round(timeoutMs / 1000)} s`,
        hint: ep.kind === 'unix' || ep.kind === 'npipe' ? 'The engine may be starting or hung: restart it (sudo systemctl restart docker).' : 'Check the network path to that host and port (firewall, VPN) and that dockerd listens there.',
      };
    }
    const tls = tlsProblem(e, where, false);
    if (tls) return tls;
    if (ep.kind === 'ssh' && (/authentication methods failed|auth/i.test(msg) || code === 'ERR_SSH_AUTH')) {
      return { code: 'SSH_AUTH', message: `The SSH server of ${ep.host} refused the login (${msg})`, hint: 'Give the private key the server accepts (--ssh-key F, its passphrase if it has one), or load it into ssh-agent.' };
    }
    if (ep.kind === 'ssh' && /docker: (command )?not found|dial-stdio/i.test(msg)) {
      return { code: 'SSH_NO_DOCKER', message: `The SSH login to ${ep.host} worked but the docker CLI is not there (${msg})`, hint: 'Install Docker on that host (the docker CLI must be on the login user’s PATH) and add the user to the docker group.' };
    }
    if (status === 401) return { code: 'UNAUTHORIZED', message: `${where} refused the request (HTTP 401)`, hint: 'The engine sits behind an authenticating proxy: use mutual TLS or SSH instead.' };
    if (status === 403) return { code: 'FORBIDDEN', message: `${where} refused the request (HTTP 403: ${msg})`, hint: 'An authorization plugin or proxy forbids it: ask the engine’s admin to allow this client.' };
    if (status === 400 && /HTTP request to an HTTPS server/i.test(msg)) {
      return { code: 'TLS', message: `${where} expects TLS`, hint: 'Give the engine’s certificates: --tls-ca ca.pem --tls-cert cert.pem --tls-key key.pem.' };
    }
    const d = diagnose(e, ep, timeoutMs);
    return { code: d.code, message: d.message, hint: d.hint };
  })();
  return { code: p.code, message: redact(p.message), hint: redact(p.hint) };
}

/** A failed Kubernetes API call → a problem with a hint. */
export function kubeProblem(e: unknown, server: string, timeoutMs: number): TargetProblem {
  const where = `The Kubernetes API server at ${server}`;
  const p = ((): TargetProblem => {
    const code = codeOf(e);
    const status = statusOf(e);
    const msg = messageOf(e);
    if (code === 'TIMEOUT' || code === 'ABORTED' || code === 'ETIMEDOUT') return { code: 'TIMEOUT', message: `${where} did not answer within ${Math.round(timeoutMs / 1000)} s`, hint: 'Check the network path to the API server (VPN, firewall) and that the cluster is running.' };
    if (status === 401) return { code: 'UNAUTHORIZED', message: `${where} did not accept the kubeconfig’s credentials (HTTP 401)`, hint: 'The token or client certificate expired or is wrong: export a fresh kubeconfig (e.g. your cloud’s get-credentials) and add the target again.' };
    if (status === 403) return { code: 'FORBIDDEN', message: `${where} forbids this user to read what the test needs (HTTP 403: ${msg})`, hint: 'Ask the cluster admin for a Role that allows reading nodes/namespaces and managing deployments in the namespace.' };
    const tls = tlsProblem(e, where, true);
    if (tls) return tls;
    if (code === 'ECONNREFUSED' || code === 'EHOSTUNREACH' || code === 'ENETUNREACH' || code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'ECONNRESET') {
      return { code: 'UNREACHABLE', message: `${where} is not reachable (${code})`, hint: 'Check that the cluster is running and that its server URL in the kubeconfig is reachable from this machine.' };
    }
    if (status !== null) return { code: 'HTTP_' + status, message: `${where} answered HTTP ${status}: ${msg}`, hint: 'Check the server URL of the kubeconfig’s cluster: it must be the Kubernetes API server.' };
    return { code: 'ERROR', message: `Cannot reach ${where}: ${msg}`, hint: 'Check the kubeconfig (kubectl --kubeconfig F --context C get nodes must work from this machine).' };
  })();
  return { code: p.code, message: redact(p.message), hint: redact(p.hint) };
}
