import type { EngineContext } from '../context';
import { parseJsonColumn } from '../store/json';

/**
 * The settings a model was last deployed with on each target (table deploy_presets): "Deploy to <target>" reuses them
 * in one click. Env values are never kept here (a redeploy keeps the deployment's own env); nor are edited manifests,
 * which name one version's image.
 */
export class DeployPresets {
  constructor(private readonly ctx: EngineContext) {}

  remember(target: string, model: string, input: Record<string, unknown>): void {
    const { version: _v, alias: _a, env: _e, ...keep } = input;
    const kube = keep.kubernetes as Record<string, unknown> | undefined;
    if (kube?.manifests) keep.kubernetes = { ...kube, manifests: undefined };
    this.ctx.store.db
      .prepare('INSERT INTO deploy_presets (target, model, input, updated_at) VALUES (?, ?, ?, ?) ON CONFLICT (target, model) DO UPDATE SET input = excluded.input, updated_at = excluded.updated_at')
      .run(target, model, JSON.stringify(keep), Date.now());
  }

  get(target: string, model: string): Record<string, unknown> | null {
    const text = this.ctx.store.db.prepare('SELECT input FROM deploy_presets WHERE target = ? AND model = ?').pluck().get(target, model) as string | undefined;
    return text === undefined ? null : parseJsonColumn<Record<string, unknown> | null>(text, null);
  }
}
