import fs from 'node:fs';
import path from 'node:path';
import { Engine } from '../core/engine';
import type { LauncherOptions } from '../core/projects/launcher';
import { packageRoot } from '../core/paths';
import { assertBindAllowed, HttpHost, type RouteAdapter } from './http';
import { mlflowAdapter } from './mlflow/adapter';
import { mlflowRoutes } from './mlflow/routes';
import { objectsAdapter } from './objects';

export interface ServeOptions {
  dataDir: string;
  host?: string;
  port?: number;
  token?: string;
  uiDir?: string | null;
  engineHost?: 'electron' | 'web';
  launcher?: LauncherOptions;
  adapters?: (engine: Engine) => RouteAdapter[];
}

export interface Served {
  engine: Engine;
  http: HttpHost;
  url: string;
  port: number;
  close(): Promise<void>;
}

export function defaultUiDir(): string {
  return path.join(packageRoot(), 'dist', 'renderer');
}

/** Engine + HTTP host: what `mldesk serve` runs, and what the desktop app runs for MLflow clients. */
export async function startServer(opts: ServeOptions): Promise<Served> {
  // Validate the bind before touching the data dir when the token alone settles it (users live in the data dir).
  if (opts.token || !fs.existsSync(path.join(opts.dataDir, 'mldesk.sqlite'))) assertBindAllowed(opts.host ?? '127.0.0.1', opts.token);
  const engine = new Engine({ dataDir: opts.dataDir, host: opts.engineHost ?? 'web', launcher: opts.launcher });
  let httpHost: HttpHost;
  try {
    httpHost = new HttpHost({
      engine,
      host: opts.host,
      port: opts.port,
      token: opts.token,
      uiDir: opts.uiDir === null ? undefined : (opts.uiDir ?? defaultUiDir()),
      adapters: [mlflowAdapter(engine, mlflowRoutes), objectsAdapter(engine), ...(opts.adapters?.(engine) ?? [])],
    });
  } catch (e) {
    await engine.close();
    throw e;
  }
  const { url, port } = await httpHost.listen().catch(async (e: unknown) => {
    await engine.close();
    throw e;
  });
  engine.ctx.trackingUri = url;
  return {
    engine,
    http: httpHost,
    url,
    port,
    close: async () => {
      await httpHost.close();
      await engine.close();
    },
  };
}
