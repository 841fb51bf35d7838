import type { FeatureHandlers } from '../../../shared/contract';
import type { EngineContext } from '../context';
import { InsightService, type InsightDeps } from './service';

/**
 * Model insight: why a registered model version predicts what it does and whom it fails, for any ONNX model.
 * - service.ts: the methods (global job, local, fairness, model card) and what they load; cache.ts: SQLite results
 *   keyed by (model digest, dataset digest, settings); data.ts: the dataset (validation data from lineage) as rows;
 *   card.ts: the model card's Markdown and self-contained HTML;
 * - predict.ts (+ worker.ts): an ONNX model as a batch predict function, onnxruntime in a worker thread;
 * - explain/: KernelSHAP, exact TreeSHAP, LIME; global/: permutation importance, PD/ICE; fairness.ts: group metrics.
 */

export { InsightService, type InsightDeps } from './service';
export { CARD_FILE, cardPath } from './card';
export { fairnessOfRows } from './fairnessData';
export { fairnessReport } from './fairness';

export function createInsight(ctx: EngineContext, deps: InsightDeps): { service: InsightService; handlers: FeatureHandlers<'insight'>; dispose: () => Promise<void> } {
  const service = new InsightService(ctx, deps);
  const handlers: FeatureHandlers<'insight'> = {
    'insight.global': (i) => service.global(i),
    'insight.globalResult': (i) => service.globalResult(i),
    'insight.local': (i) => service.local(i),
    'insight.fairness': (i) => service.fairness(i),
    'insight.columns': (i) => service.columns(i),
    'insight.card': ({ model, version }) => service.card(model, version),
    'insight.saveCard': ({ model, version, edits }) => service.saveCard(model, version, edits),
    'insight.exportCard': ({ model, version, format, edits }) => service.exportCard(model, version, format, edits),
    'insight.inferences': ({ deployment, limit }) => service.inferences(deployment, limit),
  };
  return { service, handlers, dispose: () => service.dispose() };
}
