import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import Docker from 'dockerode';
import { runCli, tmpDir } from './helpers';

describe('mldesk CLI', () => {
  it('refuses --host 0.0.0.0 without a token, with a clear message, and exits non-zero', async () => {
    const dataDir = path.join(tmpDir(), 'd');
    const r = await runCli(['serve', '--host', '0.0.0.0', '--port', '0', '--data-dir', dataDir], { MLDESK_TOKEN: '' });
    expect(r.code).not.toBe(0);
    expect(r.out).toMatch(/Refusing to listen on 0\.0\.0\.0 without a token/);
    expect(fs.existsSync(dataDir)).toBe(false);
  });

  it('rejects unknown flags and bad ports with usage', async () => {
    const r = await runCli(['serve', '--prot', '1']);
    expect(r.code).toBe(2);
    expect(r.out).toMatch(/Unknown option '--prot'/);
    const p = await runCli(['serve', '--port', 'abc']);
    expect(p.code).toBe(2);
    expect(p.out).toMatch(/--port must be an integer/);
  });

  it('serve --port 0 prints the URL and answers; SIGTERM stops it', async () => {
    const { spawn } = await import('node:child_process');
    const dataDir = path.join(tmpDir(), 'd');
    const p = spawn(process.execPath, ['bin/mldesk.js', 'serve', '--port', '0', '--data-dir', dataDir], { stdio: ['ignore', 'pipe', 'pipe'] });
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      p.stdout.on('data', (b: Buffer) => {
        out += b.toString();
        const m = /serving at (http:\/\/127\.0\.0\.1:\d+)\//.exec(out);
        if (m) resolve(m[1]!);
      });
      p.on('exit', () => reject(new Error(out)));
    });
    const res = await fetch(`${url}/healthz`);
    expect(res.status).toBe(200);
    const html = await fetch(`${url}/`);
    expect(html.headers.get('content-security-policy')).toMatch(/default-src 'self'/);
    const exited = new Promise<number | null>((r) => p.on('exit', (c) => r(c)));
    p.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(fs.existsSync(path.join(dataDir, 'mldesk.sqlite'))).toBe(true);
  });

  it('demo creates the project, registers the models, deploys the champion and replays traffic with drift', async () => {
    const home = tmpDir();
    const dataDir = path.join(home, 'data');
    const docker = new Docker();
    const dockerUp = await docker.ping().then(() => true, () => false);
    if (!dockerUp && process.env.CI) throw new Error('dockerd is not reachable: the demo deployment cannot be tested (CI starts dockerd in .ci/run)');
    const r = await runCli(['demo', '--dir', path.join(home, 'demo'), '--data-dir', dataDir], { MLDESK_DEMO_DEPLOY: dockerUp ? '1' : '0' }, 180_000);
    let name: string | undefined;
    try {
      expect(r.code, r.out).toBe(0);
      expect(r.out).toMatch(/Demo project ready/);
      expect(r.out).toMatch(/v1 +@champion/);
      expect(fs.existsSync(path.join(home, 'demo', 'data', 'train.csv'))).toBe(true);
      if (!dockerUp) return;
      name = /Serving credit-risk v1 as '([a-z0-9-]+)'/.exec(r.out)?.[1];
      expect(name, r.out).toBeTruthy();
      const windows = /(\d+) monitoring windows, (\d+) with drift/.exec(r.out);
      expect(windows, r.out).not.toBeNull();
      expect(Number(windows![2])).toBeGreaterThan(0);
      expect(r.out).toMatch(/alert: /);
      const status = await runCli(['monitor', 'status', name!, '--json', '--data-dir', dataDir]);
      expect(status.code, status.out).toBe(0);
    } finally {
      if (name) {
        const list = await runCli(['deployments', '--json', '--data-dir', dataDir]);
        const digest = (JSON.parse(list.out) as Array<{ name: string; image: { digest: string } }>).find((d) => d.name === name)?.image.digest;
        const un = await runCli(['undeploy', name, '--data-dir', dataDir]);
        expect(un.code, un.out).toBe(0);
        if (digest) await docker.getImage(digest).remove().catch(() => undefined);
      }
    }
  }, 240_000);
});

describe('mldesk help', () => {
  const COMMANDS = ['serve', 'demo', 'run', 'data', 'version', 'help'];
  const DATA_SUBS = ['add', 'versions', 'checkout', 'status', 'profile', 'diff', 'expect', 'validate'];

  it('--help, -h, help and no arguments print the general usage and exit 0', async () => {
    const runs = await Promise.all([['--help'], ['-h'], ['help'], []].map((a) => runCli(a)));
    for (const r of runs) {
      expect(r.code, r.out).toBe(0);
      expect(r.out).toMatch(/^mldesk \S+ — local-first ML workbench\n/);
      for (const c of COMMANDS.filter((c) => c !== 'data')) expect(r.out).toContain(`\n  mldesk ${c}`);
      for (const s of DATA_SUBS) expect(r.out).toContain(`\n  mldesk data ${s} `);
      expect(r.out).not.toMatch(/Unknown/);
    }
    expect(new Set(runs.map((r) => r.out)).size).toBe(1);
  });

  it('help <command>, <command> --help and <command> -h print that command\'s usage and exit 0', async () => {
    for (const c of COMMANDS) {
      const forms = c === 'help' ? [['help', 'help'], ['help', '--help'], ['help', '-h']] : [['help', c], [c, '--help'], [c, '-h']];
      const runs = await Promise.all(forms.map((a) => runCli(a)));
      for (const r of runs) {
        expect(r.code, `${c}: ${r.out}`).toBe(0);
        expect(r.out.startsWith(`Usage: mldesk ${c}`), r.out).toBe(true);
      }
      expect(new Set(runs.map((r) => r.out)).size, c).toBe(1);
    }
    const serve = await runCli(['serve', '--help']);
    for (const flag of ['-p, --port N', '--host H', '--data-dir DIR', '--token T', '-h, --help']) expect(serve.out).toContain(flag);
    const run = await runCli(['run', '-h']);
    expect(run.out).toMatch(/^Usage: mldesk run .*\[--param k=v \.\.\.\].* -- <command\.\.\.>$/m);
    const data = await runCli(['data', '--help']);
    for (const s of DATA_SUBS) expect(data.out).toContain(`mldesk data ${s} `);
  }, 90_000); // three processes per command, ~17 commands: half a minute on a busy 2-core box

  it('data <sub> --help, data <sub> -h and help data <sub> print that subcommand\'s usage and exit 0', async () => {
    for (const s of DATA_SUBS) {
      const runs = await Promise.all([['data', s, '--help'], ['data', s, '-h'], ['help', 'data', s], ['data', s, 'some.csv', '--json', '--help']].map((a) => runCli(a)));
      for (const r of runs) {
        expect(r.code, `${s}: ${r.out}`).toBe(0);
        expect(r.out.startsWith(`Usage: mldesk data ${s} `), r.out).toBe(true);
      }
      expect(new Set(runs.map((r) => r.out)).size, s).toBe(1);
    }
  }, 90_000);

  it('--help wins over the command: nothing runs, no data dir is created', async () => {
    const dataDir = path.join(tmpDir(), 'd');
    const r = await runCli(['serve', '--port', '0', '--data-dir', dataDir, '--help']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^Usage: mldesk serve /);
    expect(r.out).not.toMatch(/serving at/);
    const d = await runCli(['demo', '--data-dir', dataDir, '-h']);
    expect(d.code).toBe(0);
    expect(fs.existsSync(dataDir)).toBe(false);
  });

  it('unknown help topics and commands exit 2 with a clear message', async () => {
    const [cmd, sub, none, top, dataSub, missing] = await Promise.all([
      runCli(['help', 'bogus']),
      runCli(['help', 'data', 'bogus']),
      runCli(['help', 'serve', 'extra']),
      runCli(['bogus', '--help']),
      runCli(['data', 'bogus', '--help']),
      runCli(['data']),
    ]);
    expect(cmd.code).toBe(2);
    expect(cmd.out).toMatch(/^mldesk help: unknown command "bogus" \(commands: serve, demo, run, data, drift, fairness, users, models, build, deploy, deployments, undeploy, monitor, targets, version, help\)/);
    expect(sub.code).toBe(2);
    expect(sub.out).toMatch(/unknown subcommand "data bogus" \(data subcommands: add, versions, checkout, status, profile, diff, expect, validate[,)]/);
    expect(none.code).toBe(2);
    expect(none.out).toMatch(/mldesk serve has no subcommands/);
    expect(top.code).toBe(2);
    expect(top.out).toMatch(/Unknown command "bogus"/);
    expect(dataSub.code).toBe(2);
    expect(dataSub.out).toMatch(/^mldesk data: unknown subcommand "bogus"/);
    expect(missing.code).toBe(2);
    expect(missing.out).toMatch(/^mldesk data: missing subcommand\n\nUsage: mldesk data /);
  });

  it('usage errors name the command\'s own usage and exit 2', async () => {
    const [bad, noCmd, noFile] = await Promise.all([runCli(['demo', '--bogus']), runCli(['run', '--name', 'x']), runCli(['data', 'add'])]);
    expect(bad.code).toBe(2);
    expect(bad.out).toMatch(/Unknown option '--bogus'[^]*\n\nUsage: mldesk demo \[--dir DIR\][^]*`mldesk help demo` for details/);
    expect(noCmd.code).toBe(2);
    expect(noCmd.out).toMatch(/give the command after `--`[^]*Usage: mldesk run /);
    expect(noFile.code).toBe(2);
    expect(noFile.out).toMatch(/^mldesk data add: expected <file>\n\nUsage: mldesk data add <file>/);
  });

  it('run: a --help after `--` belongs to the user\'s command; before it, it is mldesk\'s', async () => {
    const home = tmpDir();
    const script = path.join(home, 'echo.js');
    fs.writeFileSync(script, 'console.log("ARGV " + JSON.stringify(process.argv.slice(2)));\n');
    const dataDir = path.join(home, 'data');
    const passed = await runCli(['run', '--data-dir', dataDir, '--no-system-metrics', '--', process.execPath, script, '--help', '-h'], {}, 60_000);
    expect(passed.code, passed.out).toBe(0);
    expect(passed.out).toContain('ARGV ["--help","-h"]');
    expect(passed.out).toMatch(/FINISHED/);
    expect(passed.out).not.toMatch(/Usage:/);
    const help = await runCli(['run', '--data-dir', path.join(home, 'other'), '--help', '--', process.execPath, script]);
    expect(help.code).toBe(0);
    expect(help.out).toMatch(/^Usage: mldesk run /);
    expect(help.out).not.toContain('ARGV');
    expect(fs.existsSync(path.join(home, 'other'))).toBe(false);
  }, 60_000);
});

describe('mldesk users', () => {
  it('add prints a token once, list shows roles, revoke ends it; bad roles exit 2', async () => {
    const dataDir = tmpDir();
    const added = await runCli(['users', 'add', 'ana', '--role', 'member', '--data-dir', dataDir]);
    expect(added.code).toBe(0);
    const token = /mld_[A-Za-z0-9_-]{43}/.exec(added.out)?.[0];
    expect(token).toBeDefined();
    const listed = await runCli(['users', 'list', '--json', '--data-dir', dataDir]);
    expect(JSON.parse(listed.out)).toEqual([expect.objectContaining({ name: 'ana', role: 'member', revoked_at: null })]);
    expect(listed.out).not.toContain(token!);
    expect((await runCli(['users', 'add', 'bob', '--role', 'root', '--data-dir', dataDir])).code).toBe(2);
    expect((await runCli(['users', 'revoke', 'ana', '--data-dir', dataDir])).code).toBe(0);
    expect((await runCli(['users', 'revoke', 'ana', '--data-dir', dataDir])).code).not.toBe(0);
  });
});
