/**
 * Reads an `ai.onnx.ml` TreeEnsembleClassifier / TreeEnsembleRegressor out of an ONNX model into the flat trees
 * TreeSHAP walks, with the score it explains and how onnxruntime turns that score into the node's output.
 */
import { MldeskError } from '../../../../shared/contract/errors';
import { attributes, decodeModel, type NodeMsg } from './onnxProto';
import { Mode, treeDepth, type Tree, type TreeEnsemble } from './treeShap';

const MODES: Record<string, number> = {
  BRANCH_LEQ: Mode.LEQ,
  BRANCH_LT: Mode.LT,
  BRANCH_GTE: Mode.GTE,
  BRANCH_GT: Mode.GT,
  BRANCH_EQ: Mode.EQ,
  BRANCH_NEQ: Mode.NEQ,
  LEAF: Mode.LEAF,
};

export type PostTransform = 'NONE' | 'LOGISTIC' | 'SOFTMAX' | 'SOFTMAX_ZERO' | 'PROBIT';

export interface OnnxTreeModel {
  ensemble: TreeEnsemble;
  op: 'TreeEnsembleClassifier' | 'TreeEnsembleRegressor';
  /** The tensor the ensemble reads (the encoded matrix). */
  input: string;
  /** The node's outputs: classifier [label, scores], regressor [Y]. */
  outputs: string[];
  /** The node output holding the scores, and the column there that `transform(margin)` equals (when elementwise). */
  scoreOutput: string;
  scoreColumn: number;
  postTransform: PostTransform;
  /** The class (column of weights) or regression target explained. */
  target: number;
  /** Margin → the node's score for NONE / LOGISTIC; null when the transform mixes columns (SOFTMAX) or is PROBIT. */
  transform: ((margin: number) => number) | null;
  /** 'log-odds' for a LOGISTIC ensemble, 'probability' for a classifier without transform, else 'value'. */
  space: 'log-odds' | 'probability' | 'value';
}

const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));

/** Builds the flat trees; `weightOf(tree, node)` is the leaf value of the explained score. */
function buildTrees(node: NodeMsg, leafValue: Map<string, number>): Tree[] {
  const a = attributes(node);
  const treeIds = a.ints('nodes_treeids');
  const nodeIds = a.ints('nodes_nodeids');
  const featureIds = a.ints('nodes_featureids');
  const modes = a.strings('nodes_modes');
  const values = a.numbers('nodes_values');
  const yesIds = a.ints('nodes_truenodeids');
  const noIds = a.ints('nodes_falsenodeids');
  const missing = a.ints('nodes_missing_value_tracks_true');
  const n = treeIds.length;
  if (n === 0 || [nodeIds, featureIds, modes, yesIds, noIds].some((l) => l.length !== n) || (values.length !== n && values.length !== 0))
    throw new MldeskError('INVALID_INPUT', `${node.op_type}: the nodes_* attributes have different lengths`);

  // Group the nodes by tree, in first-seen order.
  const byTree = new Map<number, number[]>();
  for (let i = 0; i < n; i++) {
    const list = byTree.get(treeIds[i]!);
    if (list) list.push(i);
    else byTree.set(treeIds[i]!, [i]);
  }
  const trees: Tree[] = [];
  for (const [treeId, idx] of byTree) {
    const local = new Map(idx.map((i) => [nodeIds[i]!, i]));
    const child = new Set<number>();
    for (const i of idx) {
      if (modes[i] === 'LEAF') continue;
      child.add(yesIds[i]!);
      child.add(noIds[i]!);
    }
    const roots = idx.filter((i) => !child.has(nodeIds[i]!));
    if (roots.length !== 1) throw new MldeskError('INVALID_INPUT', `${node.op_type}: tree ${treeId} has ${roots.length} roots`);
    // Renumber depth-first from the root, so index 0 is the root.
    const order: number[] = [];
    const pos = new Map<number, number>();
    const stack = [roots[0]!];
    while (stack.length > 0) {
      const i = stack.pop()!;
      if (pos.has(i)) throw new MldeskError('INVALID_INPUT', `${node.op_type}: tree ${treeId} is not a tree`);
      pos.set(i, order.length);
      order.push(i);
      if (modes[i] !== 'LEAF') {
        for (const id of [noIds[i]!, yesIds[i]!]) {
          const j = local.get(id);
          if (j === undefined) throw new MldeskError('INVALID_INPUT', `${node.op_type}: tree ${treeId} refers to a missing node ${id}`);
          stack.push(j);
        }
      }
    }
    const m = order.length;
    const t: Tree = {
      feature: new Int32Array(m),
      threshold: new Float64Array(m),
      mode: new Uint8Array(m),
      missingTrue: new Uint8Array(m),
      yes: new Int32Array(m).fill(-1),
      no: new Int32Array(m).fill(-1),
      value: new Float64Array(m),
      share: new Float64Array(m).fill(1),
      depth: 0,
    };
    order.forEach((i, k) => {
      const mode = MODES[modes[i]!];
      if (mode === undefined) throw new MldeskError('INVALID_INPUT', `${node.op_type}: unknown node mode ${modes[i]}`);
      t.mode[k] = mode;
      t.missingTrue[k] = missing[i] ? 1 : 0;
      if (mode === Mode.LEAF) t.value[k] = leafValue.get(`${treeId}:${nodeIds[i]}`) ?? 0;
      else {
        t.feature[k] = featureIds[i]!;
        t.threshold[k] = values[i] ?? 0;
        t.yes[k] = pos.get(local.get(yesIds[i]!)!)!;
        t.no[k] = pos.get(local.get(noIds[i]!)!)!;
      }
    });
    t.depth = treeDepth(t);
    trees.push(t);
  }
  return trees;
}

/**
 * The tree ensemble of an ONNX model. `target`: the class (classifier) or target (regressor) whose score is
 * explained; default: the positive class of a binary classifier, class 1 of a multiclass one, target 0.
 */
export function parseTreeEnsemble(modelBytes: Uint8Array, opts: { target?: number } = {}): OnnxTreeModel {
  const graph = decodeModel(modelBytes).graph ?? {};
  const nodes = (graph.node ?? []).filter((n) => n.domain === 'ai.onnx.ml' && (n.op_type === 'TreeEnsembleClassifier' || n.op_type === 'TreeEnsembleRegressor'));
  if (nodes.length !== 1) throw new MldeskError('FAILED_PRECONDITION', nodes.length === 0 ? 'the model has no ai.onnx.ml TreeEnsembleClassifier/Regressor' : 'the model has more than one tree ensemble');
  const node = nodes[0]!;
  const a = attributes(node);
  const classifier = node.op_type === 'TreeEnsembleClassifier';
  const prefix = classifier ? 'class' : 'target';
  const ids = a.ints(`${prefix}_ids`);
  const leafTrees = a.ints(`${prefix}_treeids`);
  const leafNodes = a.ints(`${prefix}_nodeids`);
  const weights = a.numbers(`${prefix}_weights`);
  const base = a.numbers('base_values');
  const post = a.string('post_transform', 'NONE') as PostTransform;
  const columns = new Set(ids);

  let target: number;
  let scoreColumn: number;
  let baseValue: number;
  let scale = 1;
  if (classifier) {
    const labels = Math.max(a.ints('classlabels_int64s').length, a.strings('classlabels_strings').length);
    if (labels === 2 && columns.size <= 1) {
      // onnxruntime's binary case: one score s (base_values[1] when two are given), scores column 1 = transform(s).
      target = ids[0] ?? 0;
      scoreColumn = 1;
      baseValue = base.length === 2 ? base[1]! : (base[0] ?? 0);
    } else {
      target = opts.target ?? 1;
      scoreColumn = target;
      baseValue = base.length === labels ? base[target]! : 0;
    }
  } else {
    target = opts.target ?? 0;
    scoreColumn = target;
    const nTargets = a.int('n_targets', 1);
    baseValue = base.length === 1 ? base[0]! : base.length === nTargets ? base[target]! : 0;
    const agg = a.string('aggregate_function', 'SUM');
    if (agg === 'MIN' || agg === 'MAX') throw new MldeskError('FAILED_PRECONDITION', `TreeSHAP needs an additive ensemble (aggregate_function ${agg})`);
    if (agg === 'AVERAGE') scale = NaN; // set below, once the trees are counted
  }
  const leafValue = new Map<string, number>();
  for (let i = 0; i < ids.length; i++) {
    if (ids[i] !== target) continue;
    const key = `${leafTrees[i]}:${leafNodes[i]}`;
    leafValue.set(key, (leafValue.get(key) ?? 0) + (weights[i] ?? 0));
  }
  const trees = buildTrees(node, leafValue);
  if (Number.isNaN(scale)) scale = 1 / trees.length;
  let width = 0;
  for (const t of trees) for (let k = 0; k < t.feature.length; k++) if (t.mode[k] !== Mode.LEAF) width = Math.max(width, t.feature[k]! + 1);

  const elementwise = post === 'NONE' || post === 'LOGISTIC';
  const transform = !elementwise ? null : post === 'LOGISTIC' ? sigmoid : (z: number) => z;
  return {
    ensemble: { trees, base: baseValue, scale, width },
    op: classifier ? 'TreeEnsembleClassifier' : 'TreeEnsembleRegressor',
    input: node.input?.[0] ?? '',
    outputs: node.output ?? [],
    scoreOutput: (classifier ? node.output?.[1] : node.output?.[0]) ?? '',
    scoreColumn,
    postTransform: post,
    target,
    transform,
    space: post === 'LOGISTIC' ? 'log-odds' : classifier && post === 'NONE' ? 'probability' : 'value',
  };
}
