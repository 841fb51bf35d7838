// ONNX export for train.mjs's two model kinds, plus the MLflow `MLmodel` file of the onnx flavor.
//
// The models take the raw columns (numbers as double [N,1], categories as string [N,1]; a missing
// number is NaN) and apply the training preprocessing in the graph, so a server can be sent the
// same rows as data/train.csv. Outputs: `label` int64 [N] and `probabilities` float [N,2]
// (P(class 0), P(class 1)). IR version 8, opsets ai.onnx 15 and ai.onnx.ml 3 (ONNX 1.12 and newer).
//
// Encoded with protobufjs (lib/protobuf.min.js, BSD-3-Clause) against lib/onnx.proto, a subset of
// the ONNX schema: both ship in the project, so `node train.mjs` needs no npm install.

import fs from 'node:fs';
import { createRequire } from 'node:module';

const protobuf = createRequire(import.meta.url)('./lib/protobuf.min.js');
const schema = protobuf.parse(fs.readFileSync(new URL('./lib/onnx.proto', import.meta.url), 'utf8'), { keepCase: true }).root;
const ModelProto = schema.lookupType('onnx.ModelProto');

const FLOAT = 1;
const INT64 = 7;
const STRING = 8;
const BOOL = 9;
const DOUBLE = 11;
const ML = 'ai.onnx.ml';
const OPSETS = [
  { domain: '', version: 15 },
  { domain: ML, version: 3 },
];
/** The onnx package release that introduced IR version 8 + these opsets (MLmodel's onnx_version). */
export const ONNX_VERSION = '1.12.0';

// ---------------------------------------------------------------------------------------------
// Graph building

const attr = {
  int: (i) => ({ type: 'INT', i }),
  ints: (ints) => ({ type: 'INTS', ints }),
  str: (s) => ({ type: 'STRING', s: Buffer.from(s, 'utf8') }),
  strs: (list) => ({ type: 'STRINGS', strings: list.map((s) => Buffer.from(s, 'utf8')) }),
  tensor: (t) => ({ type: 'TENSOR', t }),
};

/** Little-endian raw_data for a numeric or bool tensor. */
function rawData(type, values) {
  const size = type === DOUBLE || type === INT64 ? 8 : type === BOOL ? 1 : 4;
  const view = new DataView(new ArrayBuffer(values.length * size));
  values.forEach((v, i) => {
    if (type === DOUBLE) view.setFloat64(i * 8, v, true);
    else if (type === INT64) view.setBigInt64(i * 8, BigInt(v), true);
    else if (type === FLOAT) view.setFloat32(i * 4, v, true);
    else if (type === BOOL) view.setUint8(i, v ? 1 : 0);
    else throw new Error(`rawData: unsupported type ${type}`);
  });
  return Buffer.from(view.buffer);
}

function tensorProto(name, type, dims, values) {
  return { name, data_type: type, dims, raw_data: rawData(type, values) };
}

const valueInfo = (name, type, dims) => ({
  name,
  type: { tensor_type: { elem_type: type, shape: { dim: dims.map((d) => (typeof d === 'string' ? { dim_param: d } : { dim_value: d })) } } },
});

class Graph {
  constructor() {
    this.nodes = [];
    this.initializers = [];
    this.valueInfo = [];
    this.count = 0;
  }

  /** Declares an intermediate value's type, for ops whose schema infers none. */
  declare(name, type, dims) {
    this.valueInfo.push(valueInfo(name, type, dims));
    return name;
  }

  /** Adds a constant; returns its name. */
  constant(type, dims, values, hint = 'c') {
    const name = `${hint}_${this.count++}`;
    this.initializers.push(tensorProto(name, type, dims, values));
    return name;
  }

  /** Adds a node; returns its output name (or names, when `outputs` is a list). */
  op(opType, inputs, attrs = {}, { domain = '', outputs } = {}) {
    const id = this.count++;
    const outs = outputs ?? [`${opType.toLowerCase()}_${id}`];
    this.nodes.push({
      op_type: opType,
      domain,
      name: `${opType}_${id}`,
      input: inputs,
      output: outs,
      attribute: Object.entries(attrs).map(([name, a]) => ({ name, ...a })),
    });
    return outputs ? outs : outs[0];
  }
}

/** The graph inputs: one per raw feature column, in the CSV's column order. */
function graphInputs(columns) {
  return columns.map((c) => valueInfo(c.name, c.type === 'numeric' ? DOUBLE : STRING, ['N', 1]));
}

/**
 * The encoded feature matrix [N, 2k + C] (double): k numeric columns (as `numericPart` makes them),
 * their k missing indicators, then the one-hot columns of every vocabulary. Returns its name and
 * the matrix column of each of train.mjs's feature names (its order differs: weights and tree
 * features are remapped instead of reordering the matrix).
 */
function encodedMatrix(g, pre, numericPart) {
  const k = pre.numeric.length;
  const parts = [];
  const column = new Map();
  pre.numeric.forEach((n, j) => {
    column.set(n.name, j);
    column.set(`${n.name}__missing`, k + j);
  });
  if (k > 0) {
    const X = g.op('Concat', pre.numeric.map((n) => n.name), { axis: attr.int(1) });
    const missing = g.op('IsNaN', [X]);
    parts.push(numericPart(X, missing), g.op('Cast', [missing], { to: attr.int(DOUBLE) }));
  }
  const cats = pre.categorical.filter((c) => c.categories.length > 0);
  let width = 2 * k;
  for (const c of cats) {
    c.categories.forEach((v, i) => column.set(`${c.name}=${v}`, width + i));
    width += c.categories.length;
  }
  if (cats.length > 0) {
    // OneHotEncoder maps [N,1] to [N,1,C]; zeros=1: a category outside the vocabulary is all zeros, as in train.mjs.
    // (ONNX 1.12's OneHotEncoder schema has no type inference: declared, so the full checker passes.)
    const hot = cats.map((c) =>
      g.declare(g.op('OneHotEncoder', [c.name], { cats_strings: attr.strs(c.categories), zeros: attr.int(1) }, { domain: ML }), FLOAT, ['N', 1, c.categories.length]),
    );
    const joined = hot.length === 1 ? hot[0] : g.op('Concat', hot, { axis: attr.int(2) });
    const flat = g.op('Reshape', [joined, g.constant(INT64, [2], [-1, width - 2 * k], 'shape')]);
    parts.push(g.op('Cast', [flat], { to: attr.int(DOUBLE) }));
  }
  if (parts.length === 0) throw new Error('onnx: the model has no features');
  const E = parts.length === 1 ? parts[0] : g.op('Concat', parts, { axis: attr.int(1) });
  const indexOf = (feature) => {
    const j = column.get(feature);
    if (j === undefined) throw new Error(`onnx: feature ${feature} is not in the encoded matrix`);
    return j;
  };
  return { E, width, indexOf };
}

/** `label` = P(class 1) >= threshold as int64 [N], from a [N,1] probability of the positive class. */
function labelOutput(g, p1, type, threshold) {
  const ge = g.op('GreaterOrEqual', [p1, g.constant(type, [], [threshold], 'threshold')]);
  const cast = g.op('Cast', [ge], { to: attr.int(INT64) });
  g.op('Reshape', [cast, g.constant(INT64, [1], [-1], 'shape')], {}, { outputs: ['label'] });
}

function encodeModel(g, columns, docString, metadata) {
  const model = {
    ir_version: 8,
    opset_import: OPSETS,
    producer_name: 'mldesk-demo train.mjs',
    producer_version: '1',
    doc_string: docString,
    metadata_props: Object.entries(metadata).map(([key, value]) => ({ key, value: String(value) })),
    graph: {
      name: 'credit_risk',
      node: g.nodes,
      initializer: g.initializers,
      value_info: g.valueInfo,
      input: graphInputs(columns),
      output: [valueInfo('label', INT64, ['N']), valueInfo('probabilities', FLOAT, ['N', 2])],
    },
  };
  return ModelProto.encode(ModelProto.fromObject(model)).finish();
}

const DOC =
  'Inputs: the raw feature columns, numbers as double [N,1] (NaN = missing), categories as string [N,1]. ' +
  'Outputs: label int64 [N] (P(class 1) >= threshold), probabilities float [N,2].';

// ---------------------------------------------------------------------------------------------
// Logistic regression: the preprocessing in the graph, then MatMul + Add + Sigmoid (all double)

export function logregOnnx({ pre, columns, weights, bias, threshold }) {
  const g = new Graph();
  const zero = g.constant(DOUBLE, [], [0], 'zero');
  const one = g.constant(DOUBLE, [], [1], 'one');
  const { E, width, indexOf } = encodedMatrix(g, pre, (X, missing) => {
    // Missing numbers are zeroed before the log (no NaN flows on) and again after standardising.
    const present = g.op('Where', [missing, zero, X]);
    let value = present;
    const logged = pre.numeric.map((n) => {
      if (n.transform !== 'log1p' && n.transform !== 'none') throw new Error(`onnx: unknown transform ${n.transform} of ${n.name}`);
      return n.transform === 'log1p';
    });
    if (logged.some(Boolean)) {
      const log1p = g.op('Log', [g.op('Add', [g.op('Max', [present, zero]), one])]);
      value = g.op('Where', [g.constant(BOOL, [logged.length], logged, 'log_mask'), log1p, present]);
    }
    const mean = g.constant(DOUBLE, [pre.numeric.length], pre.numeric.map((n) => n.mean), 'mean');
    const std = g.constant(DOUBLE, [pre.numeric.length], pre.numeric.map((n) => n.std), 'std');
    return g.op('Where', [missing, zero, g.op('Div', [g.op('Sub', [value, mean]), std])]);
  });
  const W = new Array(width).fill(0);
  pre.features.forEach((f, i) => (W[indexOf(f)] = weights[i]));
  const z = g.op('Add', [g.op('MatMul', [E, g.constant(DOUBLE, [width, 1], W, 'weights')]), g.constant(DOUBLE, [1], [bias], 'bias')]);
  const p1 = g.op('Sigmoid', [z]);
  const both = g.op('Concat', [g.op('Sub', [one, p1]), p1], { axis: attr.int(1) });
  g.op('Cast', [both], { to: attr.int(FLOAT) }, { outputs: ['probabilities'] });
  labelOutput(g, p1, DOUBLE, threshold);
  return encodeModel(g, columns, `Logistic regression (mldesk demo). ${DOC}`, { model_type: 'logreg', threshold });
}

// ---------------------------------------------------------------------------------------------
// Gradient-boosted trees: ai.onnx.ml TreeEnsembleClassifier with double thresholds

/** Doubles in order: a 64-bit key that sorts like the number (for bisection over representable values). */
const scratch = new DataView(new ArrayBuffer(8));
const SIGN = 1n << 63n;
const MASK = (1n << 64n) - 1n;
function orderKey(x) {
  scratch.setFloat64(0, x);
  const bits = scratch.getBigUint64(0);
  return bits & SIGN ? ~bits & MASK : bits | SIGN;
}
function fromKey(k) {
  scratch.setBigUint64(0, k & SIGN ? k & ~SIGN & MASK : ~k & MASK);
  return scratch.getFloat64(0);
}

/**
 * The smallest raw value r with standardize(r) >= t. train.mjs compares standardised values
 * (`x < t`); the graph compares raw values (`r < rawThreshold`) instead, which decides the same
 * for every input without recomputing log1p in the graph (a last-bit difference would flip
 * rows that sit exactly on a threshold, and many do: thresholds are training values).
 */
function rawThreshold(standardize, t) {
  let lo = orderKey(-Infinity);
  let hi = orderKey(Infinity);
  if (standardize(-Infinity) >= t) return -Infinity;
  while (hi - lo > 1n) {
    const mid = (lo + hi) >> 1n;
    if (standardize(fromKey(mid)) >= t) hi = mid;
    else lo = mid;
  }
  return fromKey(hi);
}

/**
 * `standardize(numericSpec, raw)` is train.mjs's own encoding of a present number, so the raw
 * thresholds match it bit for bit. Leaf values already include the learning rate.
 */
export function gbtOnnx({ pre, columns, gbt, threshold, standardize }) {
  const k = pre.numeric.length;
  const numericIndex = new Map(pre.numeric.map((n, j) => [n.name, j]));
  // Raw-space thresholds per tree node, and per numeric column the thresholds it is split on.
  const splits = pre.numeric.map(() => []);
  const raw = gbt.trees.map((nodes) =>
    nodes.map((node) => {
      if (node.value !== undefined) return null;
      const j = numericIndex.get(pre.features[node.feature]);
      if (j === undefined) return node.threshold; // a 0/1 indicator or one-hot column: compared as is
      const r = rawThreshold((v) => standardize(pre.numeric[j], v), node.threshold);
      splits[j].push({ t: node.threshold, r });
      return r;
    }),
  );
  // A missing number encodes as 0 in train.mjs: feed a raw value that every split of its column
  // sends the same way as 0 (the largest raw threshold whose standardised one is <= 0).
  const substitute = splits.map((list, j) => {
    let m = -Infinity;
    for (const s of list) if (s.t <= 0 && s.r > m) m = s.r;
    for (const s of list) if (s.t > 0 && !(m < s.r)) throw new Error(`onnx: no raw stand-in for a missing ${pre.numeric[j].name}`);
    return m;
  });

  const g = new Graph();
  const { E, indexOf } = encodedMatrix(g, pre, (X, missing) => g.op('Where', [missing, g.constant(DOUBLE, [k], substitute, 'missing_as'), X]));

  const ens = { treeids: [], nodeids: [], featureids: [], modes: [], values: [], truenodeids: [], falsenodeids: [] };
  const leaves = { treeids: [], nodeids: [], weights: [] };
  gbt.trees.forEach((nodes, t) =>
    nodes.forEach((node, i) => {
      const leaf = node.value !== undefined;
      ens.treeids.push(t);
      ens.nodeids.push(i);
      ens.featureids.push(leaf ? 0 : indexOf(pre.features[node.feature]));
      ens.modes.push(leaf ? 'LEAF' : 'BRANCH_LT'); // x < threshold goes left, as in train.mjs
      ens.values.push(leaf ? 0 : raw[t][i]);
      ens.truenodeids.push(leaf ? 0 : node.left);
      ens.falsenodeids.push(leaf ? 0 : node.right);
      if (leaf) {
        leaves.treeids.push(t);
        leaves.nodeids.push(i);
        leaves.weights.push(node.value);
      }
    }),
  );
  // Binary case (one score, class id 0 for every leaf): probabilities = [1 - sigmoid(s), sigmoid(s)], s = base + leaves.
  const [, probabilities] = g.op(
    'TreeEnsembleClassifier',
    [E],
    {
      nodes_treeids: attr.ints(ens.treeids),
      nodes_nodeids: attr.ints(ens.nodeids),
      nodes_featureids: attr.ints(ens.featureids),
      nodes_modes: attr.strs(ens.modes),
      nodes_values_as_tensor: attr.tensor(tensorProto('', DOUBLE, [ens.values.length], ens.values)),
      nodes_truenodeids: attr.ints(ens.truenodeids),
      nodes_falsenodeids: attr.ints(ens.falsenodeids),
      class_treeids: attr.ints(leaves.treeids),
      class_nodeids: attr.ints(leaves.nodeids),
      class_ids: attr.ints(leaves.treeids.map(() => 0)),
      class_weights_as_tensor: attr.tensor(tensorProto('', DOUBLE, [leaves.weights.length], leaves.weights)),
      classlabels_int64s: attr.ints([0, 1]),
      base_values_as_tensor: attr.tensor(tensorProto('', DOUBLE, [1], [gbt.base_score])),
      post_transform: attr.str('LOGISTIC'),
    },
    { domain: ML, outputs: ['tree_label', 'probabilities'] },
  );
  // The label honours --threshold (the ensemble's own label is fixed at 0.5).
  const starts = g.constant(INT64, [1], [1], 'starts');
  const ends = g.constant(INT64, [1], [2], 'ends');
  const p1 = g.op('Slice', [probabilities, starts, ends, g.constant(INT64, [1], [1], 'axes')]);
  labelOutput(g, p1, FLOAT, Math.fround(threshold));
  return encodeModel(g, columns, `Gradient-boosted trees (mldesk demo). ${DOC}`, { model_type: 'gbt', threshold });
}

// ---------------------------------------------------------------------------------------------
// MLflow model folder

/** MLflow column and tensor specs of the graph's inputs and outputs (JSON strings, as MLflow writes them). */
export function signature(columns) {
  const inputs = columns.map((c) => ({ type: c.type === 'numeric' ? 'double' : 'string', name: c.name, required: true }));
  const outputs = [
    { type: 'tensor', 'tensor-spec': { dtype: 'int64', shape: [-1] }, name: 'label' },
    { type: 'tensor', 'tensor-spec': { dtype: 'float32', shape: [-1, 2] }, name: 'probabilities' },
  ];
  return { inputs: JSON.stringify(inputs), outputs: JSON.stringify(outputs) };
}

const yamlQuote = (s) => `'${s.replace(/'/g, "''")}'`;

/** The `MLmodel` file of an MLflow model folder holding model.onnx (onnx flavor, no python_function). */
export function mlmodelYaml({ columns, sizeBytes, runId, uuid, created }) {
  const sig = signature(columns);
  const lines = [
    'artifact_path: model',
    'flavors:',
    '  onnx:',
    '    code: null',
    '    data: model.onnx',
    `    onnx_version: ${ONNX_VERSION}`,
    '    providers:',
    '    - CPUExecutionProvider',
    `model_size_bytes: ${sizeBytes}`,
    `model_uuid: ${uuid}`,
    ...(runId ? [`run_id: ${runId}`] : []),
    'signature:',
    `  inputs: ${yamlQuote(sig.inputs)}`,
    `  outputs: ${yamlQuote(sig.outputs)}`,
    '  params: null',
    `utc_time_created: '${created.toISOString().replace('T', ' ').replace('Z', '')}'`,
  ];
  return lines.join('\n') + '\n';
}
