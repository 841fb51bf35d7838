import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import net from 'node:net';
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import Docker from 'dockerode';

/**
 * A second Docker engine started by a test: its own data-root, exec-root and socket (and, with `tls`, a loopback TCP
 * port with mutual TLS and certificates generated for the test). It is a real dockerd, not a stand-in. `swarm`
 * initialises a one-node swarm on 127.0.0.1. `stop()` leaves no swarm, containers, mounts or daemon behind.
 *
 * Only one test engine may be in swarm mode at a time on a machine (the gossip port 7946 is fixed): swarm engines
 * take a lock (a directory) that other test files wait for.
 */

export interface TestCerts {
  dir: string;
  ca: string;
  cert: string;
  key: string;
  /** A client cert/key signed by another CA: the engine must refuse it. */
  wrongCert: string;
  wrongKey: string;
  serverCert: string;
  serverKey: string;
}

export interface TestDockerd {
  /** unix:///…/docker.sock, or tcp://127.0.0.1:PORT with TLS. */
  host: string;
  socket: string;
  tlsPort: number | null;
  certs: TestCerts | null;
  /** A client on the unix socket (for the test's own checks and cleanup). */
  docker: Docker;
  dir: string;
  log(): string;
  stop(): Promise<void>;
}

const SWARM_LOCK = path.join(os.tmpdir(), 'mldesk-test-swarm.lock');

export function freeTcpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

/** A CA, a server cert for 127.0.0.1/localhost, a client cert, and a client cert from a foreign CA (openssl). */
export function makeCerts(dir: string): TestCerts {
  fs.mkdirSync(dir, { recursive: true });
  const ssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  const ca = (name: string) => {
    ssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}-key.pem`, '-out', `${name}.pem`, '-days', '2', '-subj', `/CN=${name}`);
  };
  const leaf = (name: string, caName: string, ext: string) => {
    ssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}-key.pem`, '-out', `${name}.csr`, '-subj', `/CN=${name}`);
    fs.writeFileSync(path.join(dir, `${name}.ext`), ext);
    ssl('x509', '-req', '-in', `${name}.csr`, '-CA', `${caName}.pem`, '-CAkey', `${caName}-key.pem`, '-CAcreateserial', '-out', `${name}.pem`, '-days', '2', '-extfile', `${name}.ext`);
  };
  ca('ca');
  ca('other-ca');
  leaf('server', 'ca', 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
  leaf('client', 'ca', 'extendedKeyUsage=clientAuth\n');
  leaf('wrong', 'other-ca', 'extendedKeyUsage=clientAuth\n');
  const read = (f: string) => fs.readFileSync(path.join(dir, f), 'utf8');
  return {
    dir,
    ca: read('ca.pem'),
    cert: read('client.pem'),
    key: read('client-key.pem'),
    wrongCert: read('wrong.pem'),
    wrongKey: read('wrong-key.pem'),
    serverCert: read('server.pem'),
    serverKey: read('server-key.pem'),
  };
}

async function takeSwarmLock(timeoutMs: number): Promise<() => void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      fs.mkdirSync(SWARM_LOCK);
      fs.writeFileSync(path.join(SWARM_LOCK, 'pid'), String(process.pid));
      return () => fs.rmSync(SWARM_LOCK, { recursive: true, force: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      // A lock whose process is gone is stale.
      let pid = 0;
      try {
        pid = Number(fs.readFileSync(path.join(SWARM_LOCK, 'pid'), 'utf8'));
      } catch {
        // being written
      }
      if (pid > 0) {
        try {
          process.kill(pid, 0);
        } catch {
          fs.rmSync(SWARM_LOCK, { recursive: true, force: true });
          continue;
        }
      }
      if (Date.now() > deadline) throw new Error(`another test holds the swarm engine lock ${SWARM_LOCK}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

function unmountUnder(dir: string): void {
  const mounts = fs
    .readFileSync('/proc/mounts', 'utf8')
    .split('\n')
    .map((l) => l.split(' ')[1] ?? '')
    .map((p) => p.replace(/\\040/g, ' '))
    .filter((p) => p === dir || p.startsWith(dir + '/'))
    .sort((a, b) => b.length - a.length);
  for (const m of mounts) {
    try {
      execFileSync('umount', ['-l', m], { stdio: 'pipe' });
    } catch {
      // already gone
    }
  }
}

export async function startTestDockerd(opts: { tls?: boolean; swarm?: boolean } = {}): Promise<TestDockerd> {
  const release = opts.swarm ? await takeSwarmLock(10 * 60_000) : () => undefined;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mldesk-dockerd-'));
  const socket = path.join(dir, 'docker.sock');
  const certs = opts.tls ? makeCerts(path.join(dir, 'certs')) : null;
  const tlsPort = opts.tls ? await freeTcpPort() : null;
  const args = [
    '--data-root',
    path.join(dir, 'root'),
    '--exec-root',
    path.join(dir, 'exec'),
    '--pidfile',
    path.join(dir, 'docker.pid'),
    '-H',
    `unix://${socket}`,
    '--bridge=none',
    '--iptables=false',
    '--ip6tables=false',
  ];
  if (certs && tlsPort) {
    const c = certs.dir;
    args.push('-H', `tcp://127.0.0.1:${tlsPort}`, '--tlsverify', '--tlscacert', path.join(c, 'ca.pem'), '--tlscert', path.join(c, 'server.pem'), '--tlskey', path.join(c, 'server-key.pem'));
  }
  const logFile = path.join(dir, 'dockerd.log');
  const out = fs.openSync(logFile, 'a');
  const child: ChildProcess = spawn('/usr/sbin/dockerd', args, { stdio: ['ignore', out, out], detached: false });
  fs.closeSync(out);
  const docker = new Docker({ socketPath: socket });
  const log = () => {
    try {
      return fs.readFileSync(logFile, 'utf8');
    } catch {
      return '';
    }
  };
  let exited = false;
  child.once('exit', () => (exited = true));
  const stop = async () => {
    try {
      if (!exited) {
        if (opts.swarm) await docker.swarmLeave({ force: true }).catch(() => undefined);
        const cs = await docker.listContainers({ all: true }).catch(() => []);
        await Promise.all(cs.map((c) => docker.getContainer(c.Id).remove({ force: true }).catch(() => undefined)));
        child.kill('SIGTERM');
        const t = Date.now();
        while (!exited && Date.now() - t < 15_000) await new Promise((r) => setTimeout(r, 100));
        if (!exited) child.kill('SIGKILL');
        while (!exited && Date.now() - t < 20_000) await new Promise((r) => setTimeout(r, 100));
      }
      // dockerd's own containerd (a child it started) goes with it; unmount what it left (netns, overlay) and delete.
      unmountUnder(dir);
      fs.rmSync(dir, { recursive: true, force: true });
    } finally {
      release();
    }
  };
  try {
    const deadline = Date.now() + 30_000;
    for (;;) {
      if (exited) throw new Error(`dockerd exited:\n${log().slice(-2000)}`);
      if (fs.existsSync(socket) && (await docker.ping().then(() => true, () => false))) break;
      if (Date.now() > deadline) throw new Error(`dockerd did not answer within 30 s:\n${log().slice(-2000)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    if (opts.swarm) {
      const listen = await freeTcpPort();
      await docker.swarmInit({ ListenAddr: `127.0.0.1:${listen}`, AdvertiseAddr: '127.0.0.1' });
    }
  } catch (e) {
    await stop();
    throw e;
  }
  return { host: certs ? `tcp://127.0.0.1:${tlsPort}` : `unix://${socket}`, socket, tlsPort, certs, docker, dir, log, stop };
}

/** Copies an image from one engine to another (docker save | docker load) — test setup, not the product's transport. */
export async function copyImage(from: Docker, to: Docker, ref: string): Promise<void> {
  const stream = await from.getImage(ref).get();
  const res = await to.loadImage(stream as unknown as NodeJS.ReadableStream);
  await new Promise<void>((resolve, reject) => {
    (res as NodeJS.ReadableStream).on('data', () => undefined);
    (res as NodeJS.ReadableStream).on('end', resolve);
    (res as NodeJS.ReadableStream).on('error', reject);
  });
}
