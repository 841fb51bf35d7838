#!/usr/bin/env node
// Credit-risk training script for the mldesk demo project (Node >= 20, no npm install needed).
//
//   node train.mjs [--model logreg|gbt] [--lr 0.1] [--epochs 15] [--l2 0.001] [--batch-size 256]
//                  [--seed 42] [--trees 100] [--depth 3] [--data data/train.csv] [--label default]
//                  [--out outputs]
//
// Writes <out>/model.json, model.onnx + MLmodel (an MLflow onnx model), metrics.json and
// val_predictions.csv. Logs to MLflow over REST when MLFLOW_TRACKING_URI (http/https) is set:
// attaches to MLFLOW_RUN_ID if given, otherwise creates a run in MLFLOW_EXPERIMENT_NAME
// (default "credit-risk").
// Uses only node: built-ins, global fetch and onnx.mjs (with the vendored lib/protobuf.min.js).

import { createHash, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { gbtOnnx, logregOnnx, mlmodelYaml } from './onnx.mjs';

// ---------------------------------------------------------------------------------------------
// Arguments

const DEFAULTS = {
  model: 'logreg',
  lr: 0.1,
  epochs: 15,
  l2: 0.001,
  batch_size: 256,
  seed: 42,
  trees: 100,
  depth: 3,
  eval_every: 10,
  threshold: 0.5,
  val_fraction: 0.2,
  data: 'data/train.csv',
  label: 'default',
  out: 'outputs',
};
const INT_PARAMS = new Set(['epochs', 'batch_size', 'seed', 'trees', 'depth', 'eval_every']);
const FLOAT_PARAMS = new Set(['lr', 'l2', 'threshold', 'val_fraction']);

function parseCli(argv) {
  // Accept --batch-size and --batch_size alike (mldesk.json uses snake_case param names).
  const normalized = argv.map((a) => (a.startsWith('--') ? '--' + a.slice(2).replace(/_/g, '-') : a));
  const options = {};
  for (const key of Object.keys(DEFAULTS)) options[key.replace(/_/g, '-')] = { type: 'string' };
  options.help = { type: 'boolean', short: 'h' };
  let values;
  try {
    ({ values } = parseArgs({ args: normalized, options, allowPositionals: false, strict: true }));
  } catch (e) {
    throw new UsageError(e.message);
  }
  if (values.help) {
    console.log(fs.readFileSync(new URL(import.meta.url), 'utf8').split('\n').slice(1, 12).join('\n').replace(/^\/\/ ?/gm, ''));
    process.exit(0);
  }
  const params = { ...DEFAULTS };
  for (const [flag, raw] of Object.entries(values)) {
    if (flag === 'help' || raw === undefined) continue;
    const key = flag.replace(/-/g, '_');
    if (INT_PARAMS.has(key)) {
      const n = Number(raw);
      if (!Number.isInteger(n)) throw new UsageError(`--${flag} expects an integer, got "${raw}"`);
      params[key] = n;
    } else if (FLOAT_PARAMS.has(key)) {
      const n = Number(raw);
      if (!Number.isFinite(n)) throw new UsageError(`--${flag} expects a number, got "${raw}"`);
      params[key] = n;
    } else params[key] = raw;
  }
  if (params.model !== 'logreg' && params.model !== 'gbt') throw new UsageError(`--model must be logreg or gbt, got "${params.model}"`);
  if (params.epochs < 1 || params.trees < 1 || params.batch_size < 1) throw new UsageError('--epochs, --trees and --batch-size must be >= 1');
  if (params.depth < 1 || params.depth > 6) throw new UsageError('--depth must be between 1 and 6');
  if (!(params.val_fraction > 0 && params.val_fraction < 1)) throw new UsageError('--val-fraction must be in (0, 1)');
  if (params.eval_every < 1) params.eval_every = 1;
  return params;
}

class UsageError extends Error {}

// ---------------------------------------------------------------------------------------------
// Seeded randomness (mulberry32)

function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function shuffle(arr, rand) {
  for (let i = arr.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    const t = arr[i];
    arr[i] = arr[j];
    arr[j] = t;
  }
  return arr;
}

// ---------------------------------------------------------------------------------------------
// CSV (RFC 4180: quoted fields, doubled quotes, CRLF or LF, optional BOM)

function parseCsv(text) {
  const rows = [];
  let row = [];
  let field = '';
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let quoted = false;
  const n = text.length;
  while (i < n) {
    const c = text[i];
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        quoted = false;
        i++;
        continue;
      }
      // Copy a run of ordinary characters at once.
      const next = text.indexOf('"', i);
      const end = next === -1 ? n : next;
      field += text.slice(i, end);
      i = end;
      continue;
    }
    if (c === '"' && field === '') {
      quoted = true;
      i++;
    } else if (c === ',') {
      row.push(field);
      field = '';
      i++;
    } else if (c === '\n' || c === '\r') {
      row.push(field);
      field = '';
      if (!(row.length === 1 && row[0] === '')) rows.push(row);
      row = [];
      i += c === '\r' && text[i + 1] === '\n' ? 2 : 1;
    } else {
      let j = i;
      while (j < n) {
        const d = text[j];
        if (d === ',' || d === '\n' || d === '\r' || d === '"') break;
        j++;
      }
      if (j === i) {
        field += c; // a stray quote inside an unquoted field: keep it literally
        i++;
      } else {
        field += text.slice(i, j);
        i = j;
      }
    }
  }
  if (quoted) throw new Error('CSV ends inside a quoted field');
  if (field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

// ---------------------------------------------------------------------------------------------
// Preprocessing: numeric columns are log-transformed when skewed money amounts, mean-imputed with
// a missing indicator, and standardised; categoricals are one-hot encoded over the training vocabulary.

const LOG_COLUMNS = new Set(['income', 'loan_amount']);
// Sensitive attributes (as mldesk.json's "sensitive" lists them) are kept for fairness reports, never used as features. Leaving them
// out is not enough for a fair model: correlated features carry them (see the demo's README, "Fairness").
const SENSITIVE = new Set(['sex']);
const isMissing = (v) => v === '' || v === 'NA' || v === 'NaN' || v === 'null';

function loadTable(file, labelName) {
  const bytes = fs.readFileSync(file);
  const digest = createHash('sha256').update(bytes).digest('hex').slice(0, 16);
  const rows = parseCsv(bytes.toString('utf8'));
  if (rows.length < 2) throw new Error(`${file} has no data rows`);
  const header = rows[0].map((h) => h.trim());
  const labelIdx = header.indexOf(labelName);
  if (labelIdx < 0) throw new Error(`label column "${labelName}" not found in ${file} (columns: ${header.join(', ')})`);
  const data = rows.slice(1);
  for (let r = 0; r < data.length; r++) {
    if (data[r].length !== header.length) throw new Error(`${file}: row ${r + 2} has ${data[r].length} fields, expected ${header.length}`);
  }
  const y = new Float64Array(data.length);
  for (let r = 0; r < data.length; r++) {
    const v = data[r][labelIdx].trim();
    if (v !== '0' && v !== '1') throw new Error(`${file}: row ${r + 2}: label must be 0 or 1, got "${v}"`);
    y[r] = v === '1' ? 1 : 0;
  }
  // Feature columns: everything but the label, identifiers and sensitive attributes.
  const columns = [];
  for (let c = 0; c < header.length; c++) {
    const name = header[c];
    if (c === labelIdx || name === 'id' || name.endsWith('_id') || SENSITIVE.has(name)) continue;
    let numeric = true;
    for (let r = 0; r < data.length && numeric; r++) {
      const v = data[r][c].trim();
      if (!isMissing(v) && !Number.isFinite(Number(v))) numeric = false;
    }
    columns.push({ name, index: c, type: numeric ? 'numeric' : 'categorical' });
  }
  return { header, data, y, columns, digest, rows: data.length };
}

function fitPreprocessing(table, trainIdx) {
  const numeric = [];
  const categorical = [];
  for (const col of table.columns) {
    if (col.type === 'numeric') {
      const transform = LOG_COLUMNS.has(col.name) ? 'log1p' : 'none';
      let sum = 0;
      let sumSq = 0;
      let count = 0;
      let missing = 0;
      for (const r of trainIdx) {
        const raw = table.data[r][col.index].trim();
        if (isMissing(raw)) {
          missing++;
          continue;
        }
        const v = applyTransform(Number(raw), transform);
        sum += v;
        sumSq += v * v;
        count++;
      }
      const mean = count > 0 ? sum / count : 0;
      const variance = count > 1 ? Math.max(0, sumSq / count - mean * mean) : 0;
      const std = variance > 1e-12 ? Math.sqrt(variance) : 1;
      numeric.push({ name: col.name, transform, mean, std, missing_indicator: missing > 0 });
    } else {
      const seen = new Set();
      for (const r of trainIdx) {
        const v = table.data[r][col.index].trim();
        if (!isMissing(v)) seen.add(v);
      }
      categorical.push({ name: col.name, categories: [...seen].sort() });
    }
  }
  const features = [];
  for (const n of numeric) {
    features.push(n.name);
    if (n.missing_indicator) features.push(`${n.name}__missing`);
  }
  for (const c of categorical) for (const v of c.categories) features.push(`${c.name}=${v}`);
  return { numeric, categorical, features };
}

function applyTransform(v, transform) {
  return transform === 'log1p' ? Math.log1p(Math.max(0, v)) : v;
}

/** A present number as the model sees it (the ONNX export derives its raw-space tree thresholds from this). */
function standardize(n, v) {
  return (applyTransform(v, n.transform) - n.mean) / n.std;
}

/** Encodes rows into a dense row-major Float64Array (n x d). Unknown categories encode as all zeros. */
function encode(table, pre, indices) {
  const d = pre.features.length;
  const X = new Float64Array(indices.length * d);
  const colIndex = new Map(table.columns.map((c) => [c.name, c.index]));
  const catOffsets = [];
  let offset = 0;
  for (const n of pre.numeric) offset += n.missing_indicator ? 2 : 1;
  for (const c of pre.categorical) {
    catOffsets.push({ index: colIndex.get(c.name), offset, lookup: new Map(c.categories.map((v, i) => [v, i])) });
    offset += c.categories.length;
  }
  for (let k = 0; k < indices.length; k++) {
    const row = table.data[indices[k]];
    const base = k * d;
    let j = 0;
    for (const n of pre.numeric) {
      const raw = row[colIndex.get(n.name)].trim();
      const missing = isMissing(raw);
      X[base + j++] = missing ? 0 : standardize(n, Number(raw));
      if (n.missing_indicator) X[base + j++] = missing ? 1 : 0;
    }
    for (const c of catOffsets) {
      const pos = c.lookup.get(row[c.index].trim());
      if (pos !== undefined) X[base + c.offset + pos] = 1;
    }
  }
  return X;
}

function stratifiedSplit(y, valFraction, seed) {
  const rand = mulberry32(seed);
  const pos = [];
  const neg = [];
  for (let i = 0; i < y.length; i++) (y[i] === 1 ? pos : neg).push(i);
  shuffle(pos, rand);
  shuffle(neg, rand);
  const nvp = Math.round(pos.length * valFraction);
  const nvn = Math.round(neg.length * valFraction);
  const val = pos.slice(0, nvp).concat(neg.slice(0, nvn)).sort((a, b) => a - b);
  const train = pos.slice(nvp).concat(neg.slice(nvn)).sort((a, b) => a - b);
  return { train, val };
}

// ---------------------------------------------------------------------------------------------
// Metrics

const sigmoid = (z) => (z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z)));

function logLoss(y, p) {
  let s = 0;
  for (let i = 0; i < y.length; i++) {
    const q = Math.min(1 - 1e-12, Math.max(1e-12, p[i]));
    s -= y[i] === 1 ? Math.log(q) : Math.log(1 - q);
  }
  return s / y.length;
}

/** ROC AUC via the rank-sum (Mann-Whitney U) statistic, average ranks for ties. */
function rocAuc(y, p) {
  const order = Array.from(p.keys()).sort((a, b) => p[a] - p[b]);
  let rankSumPos = 0;
  let nPos = 0;
  let i = 0;
  while (i < order.length) {
    let j = i;
    while (j + 1 < order.length && p[order[j + 1]] === p[order[i]]) j++;
    const avgRank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) {
      if (y[order[k]] === 1) {
        rankSumPos += avgRank;
        nPos++;
      }
    }
    i = j + 1;
  }
  const nNeg = y.length - nPos;
  if (nPos === 0 || nNeg === 0) return 0.5;
  return (rankSumPos - (nPos * (nPos + 1)) / 2) / (nPos * nNeg);
}

function classification(y, p, threshold) {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  let correct = 0;
  for (let i = 0; i < y.length; i++) {
    const pred = p[i] >= threshold ? 1 : 0;
    if (pred === y[i]) correct++;
    if (pred === 1 && y[i] === 1) tp++;
    else if (pred === 1) fp++;
    else if (y[i] === 1) fn++;
  }
  const precision = tp + fp > 0 ? tp / (tp + fp) : 0;
  const recall = tp + fn > 0 ? tp / (tp + fn) : 0;
  const f1 = precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
  return { accuracy: correct / y.length, f1, precision, recall };
}

function evaluate(yTrain, pTrain, yVal, pVal, threshold) {
  const c = classification(yVal, pVal, threshold);
  return {
    train_loss: logLoss(yTrain, pTrain),
    val_loss: logLoss(yVal, pVal),
    val_accuracy: c.accuracy,
    val_auc: rocAuc(yVal, pVal),
    val_f1: c.f1,
  };
}

const METRIC_KEYS = ['train_loss', 'val_loss', 'val_accuracy', 'val_auc', 'val_f1'];
const fmt = (m) => METRIC_KEYS.map((k) => `${k}=${m[k].toFixed(4)}`).join(' ');

// ---------------------------------------------------------------------------------------------
// Model 1: logistic regression, mini-batch SGD with L2

function predictLinear(X, n, d, w, b) {
  const p = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let z = b;
    const base = i * d;
    for (let j = 0; j < d; j++) z += X[base + j] * w[j];
    p[i] = sigmoid(z);
  }
  return p;
}

async function trainLogreg(ctx) {
  const { Xtr, ytr, Xva, yva, d, params, onStep } = ctx;
  const ntr = ytr.length;
  const nva = yva.length;
  const w = new Float64Array(d);
  let b = 0;
  const grad = new Float64Array(d);
  const rand = mulberry32(params.seed ^ 0x5bd1e995);
  const order = Array.from({ length: ntr }, (_, i) => i);
  for (let epoch = 1; epoch <= params.epochs; epoch++) {
    shuffle(order, rand);
    for (let start = 0; start < ntr; start += params.batch_size) {
      const end = Math.min(ntr, start + params.batch_size);
      grad.fill(0);
      let gb = 0;
      for (let k = start; k < end; k++) {
        const i = order[k];
        const base = i * d;
        let z = b;
        for (let j = 0; j < d; j++) z += Xtr[base + j] * w[j];
        const err = sigmoid(z) - ytr[i];
        for (let j = 0; j < d; j++) grad[j] += err * Xtr[base + j];
        gb += err;
      }
      const m = end - start;
      for (let j = 0; j < d; j++) w[j] -= params.lr * (grad[j] / m + params.l2 * w[j]);
      b -= params.lr * (gb / m);
    }
    const metrics = evaluate(ytr, predictLinear(Xtr, ntr, d, w, b), yva, predictLinear(Xva, nva, d, w, b), params.threshold);
    await onStep(epoch, metrics, `epoch ${epoch}/${params.epochs}`);
  }
  return { fitted: { weights: Array.from(w), bias: b }, pVal: predictLinear(Xva, nva, d, w, b) };
}

// ---------------------------------------------------------------------------------------------
// Model 2: gradient-boosted regression trees on the log-loss (histogram splits, Newton leaves)

const MAX_BINS = 32;

/** Quantile bin edges per feature and the binned training matrix (column-major Uint8Array). */
function binFeatures(X, n, d) {
  const edges = [];
  const bins = new Uint8Array(n * d);
  const col = new Float64Array(n);
  for (let j = 0; j < d; j++) {
    for (let i = 0; i < n; i++) col[i] = X[i * d + j];
    const sorted = Float64Array.from(col).sort();
    const cuts = [];
    for (let q = 1; q < MAX_BINS; q++) {
      const v = sorted[Math.floor((q * n) / MAX_BINS)];
      if (v > sorted[0] && (cuts.length === 0 || v > cuts[cuts.length - 1])) cuts.push(v);
    }
    // Thresholds: x < cuts[k] goes to bins <= k. Use midpoints-free "x < cut" rule for exactness.
    edges.push(cuts);
    for (let i = 0; i < n; i++) {
      const v = col[i];
      let lo = 0;
      let hi = cuts.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (v < cuts[mid]) hi = mid;
        else lo = mid + 1;
      }
      bins[j * n + i] = lo;
    }
  }
  return { edges, bins };
}

function buildTree(ctx, g, h, rows, depth) {
  const { bins, edges, n, d, lambda, minLeaf } = ctx;
  const nodes = [];
  const histG = new Float64Array(MAX_BINS);
  const histH = new Float64Array(MAX_BINS);
  const histC = new Uint32Array(MAX_BINS);

  const grow = (idx, level) => {
    let G = 0;
    let H = 0;
    for (const i of idx) {
      G += g[i];
      H += h[i];
    }
    const nodeId = nodes.length;
    nodes.push({ value: -G / (H + lambda) });
    if (level >= depth || idx.length < 2 * minLeaf) return nodeId;
    const parentScore = (G * G) / (H + lambda);
    let best = { gain: 1e-9, feature: -1, bin: -1 };
    for (let j = 0; j < d; j++) {
      const nb = edges[j].length + 1;
      if (nb < 2) continue;
      histG.fill(0, 0, nb);
      histH.fill(0, 0, nb);
      histC.fill(0, 0, nb);
      const off = j * n;
      for (const i of idx) {
        const b = bins[off + i];
        histG[b] += g[i];
        histH[b] += h[i];
        histC[b]++;
      }
      let gl = 0;
      let hl = 0;
      let cl = 0;
      for (let b = 0; b < nb - 1; b++) {
        gl += histG[b];
        hl += histH[b];
        cl += histC[b];
        if (cl < minLeaf) continue;
        if (idx.length - cl < minLeaf) break;
        const gr = G - gl;
        const hr = H - hl;
        const gain = (gl * gl) / (hl + lambda) + (gr * gr) / (hr + lambda) - parentScore;
        if (gain > best.gain) best = { gain, feature: j, bin: b };
      }
    }
    if (best.feature < 0) return nodeId;
    const off = best.feature * n;
    const left = [];
    const right = [];
    for (const i of idx) (bins[off + i] <= best.bin ? left : right).push(i);
    const node = nodes[nodeId];
    node.feature = best.feature;
    node.threshold = edges[best.feature][best.bin]; // x < threshold goes left
    node.gain = best.gain;
    delete node.value;
    node.left = grow(left, level + 1);
    node.right = grow(right, level + 1);
    return nodeId;
  };
  grow(rows, 0);
  return nodes;
}

function predictTree(nodes, X, base) {
  let k = 0;
  for (;;) {
    const node = nodes[k];
    if (node.value !== undefined) return node.value;
    k = X[base + node.feature] < node.threshold ? node.left : node.right;
  }
}

async function trainGbt(ctx) {
  const { Xtr, ytr, Xva, yva, d, params, onStep } = ctx;
  const ntr = ytr.length;
  const nva = yva.length;
  const { edges, bins } = binFeatures(Xtr, ntr, d);
  let pos = 0;
  for (let i = 0; i < ntr; i++) pos += ytr[i];
  const prior = Math.min(1 - 1e-6, Math.max(1e-6, pos / ntr));
  const baseScore = Math.log(prior / (1 - prior));
  const Ftr = new Float64Array(ntr).fill(baseScore);
  const Fva = new Float64Array(nva).fill(baseScore);
  const g = new Float64Array(ntr);
  const h = new Float64Array(ntr);
  const rows = Array.from({ length: ntr }, (_, i) => i);
  const treeCtx = { bins, edges, n: ntr, d, lambda: 1, minLeaf: 20 };
  const trees = [];
  const toProb = (F) => F.map(sigmoid);
  for (let t = 1; t <= params.trees; t++) {
    for (let i = 0; i < ntr; i++) {
      const p = sigmoid(Ftr[i]);
      g[i] = p - ytr[i];
      h[i] = Math.max(p * (1 - p), 1e-12);
    }
    const nodes = buildTree(treeCtx, g, h, rows, params.depth);
    for (const node of nodes) if (node.value !== undefined) node.value *= params.lr;
    for (let i = 0; i < ntr; i++) Ftr[i] += predictTree(nodes, Xtr, i * d);
    for (let i = 0; i < nva; i++) Fva[i] += predictTree(nodes, Xva, i * d);
    trees.push(nodes.map((nd) => (nd.value !== undefined ? { value: nd.value } : { feature: nd.feature, threshold: nd.threshold, left: nd.left, right: nd.right })));
    if (t % params.eval_every === 0 || t === params.trees) {
      const metrics = evaluate(ytr, toProb(Ftr), yva, toProb(Fva), params.threshold);
      await onStep(t, metrics, `trees ${t}/${params.trees}`);
    }
  }
  return { fitted: { base_score: baseScore, learning_rate: params.lr, trees }, pVal: toProb(Fva) };
}

// ---------------------------------------------------------------------------------------------
// MLflow over REST

class MlflowClient {
  constructor(uri) {
    this.base = uri.replace(/\/+$/, '');
    this.headers = {};
    if (process.env.MLFLOW_TRACKING_TOKEN) this.headers.authorization = `Bearer ${process.env.MLFLOW_TRACKING_TOKEN}`;
    else if (process.env.MLFLOW_TRACKING_USERNAME) {
      const basic = Buffer.from(`${process.env.MLFLOW_TRACKING_USERNAME}:${process.env.MLFLOW_TRACKING_PASSWORD ?? ''}`).toString('base64');
      this.headers.authorization = `Basic ${basic}`;
    }
  }

  async request(method, route, { body, query, raw, contentType } = {}) {
    let url = `${this.base}${route}`;
    if (query) url += `?${new URLSearchParams(query)}`;
    const headers = { ...this.headers };
    let payload;
    if (raw !== undefined) {
      payload = raw;
      headers['content-type'] = contentType ?? 'application/octet-stream';
    } else if (body !== undefined) {
      payload = JSON.stringify(body);
      headers['content-type'] = 'application/json';
    }
    let res;
    try {
      res = await fetch(url, { method, headers, body: payload, signal: AbortSignal.timeout(30_000) });
    } catch (e) {
      throw new MlflowError(`${method} ${route} failed: ${e?.cause?.message ?? e?.message ?? e}`);
    }
    const text = await res.text();
    let json = {};
    if (text) {
      try {
        json = JSON.parse(text);
      } catch {
        json = { message: text.slice(0, 300) };
      }
    }
    if (!res.ok) throw new MlflowError(`${method} ${route} -> HTTP ${res.status}${json.error_code ? ` ${json.error_code}` : ''}: ${json.message ?? ''}`.trim(), res.status, json.error_code);
    return json;
  }

  api(method, endpoint, opts) {
    return this.request(method, `/api/2.0/mlflow/${endpoint}`, opts);
  }

  async experimentId(name) {
    try {
      const r = await this.api('GET', 'experiments/get-by-name', { query: { experiment_name: name } });
      return r.experiment.experiment_id;
    } catch (e) {
      if (!(e instanceof MlflowError) || (e.code !== 'RESOURCE_DOES_NOT_EXIST' && e.status !== 404)) throw e;
    }
    try {
      const r = await this.api('POST', 'experiments/create', { body: { name } });
      return r.experiment_id;
    } catch (e) {
      // Someone else created it between our get and create: fetch it again.
      if (!(e instanceof MlflowError) || e.code !== 'RESOURCE_ALREADY_EXISTS') throw e;
      const r = await this.api('GET', 'experiments/get-by-name', { query: { experiment_name: name } });
      return r.experiment.experiment_id;
    }
  }

  logBatch(runId, { metrics = [], params = [], tags = [] }) {
    return this.api('POST', 'runs/log-batch', { body: { run_id: runId, metrics, params, tags } });
  }

  uploadArtifact(experimentId, runId, artifactPath, file) {
    const rel = artifactPath.split('/').map(encodeURIComponent).join('/');
    const route = `/api/2.0/mlflow-artifacts/artifacts/${encodeURIComponent(experimentId)}/${encodeURIComponent(runId)}/artifacts/${rel}`;
    return this.request('PUT', route, { raw: fs.readFileSync(file), contentType: file.endsWith('.json') ? 'application/json' : undefined });
  }
}

class MlflowError extends Error {
  constructor(message, status, code) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/** Sets up tracking: returns null when MLFLOW_TRACKING_URI is not an http(s) URL. */
async function startTracking(params, digest) {
  const uri = process.env.MLFLOW_TRACKING_URI;
  if (!uri) return null;
  if (!/^https?:\/\//i.test(uri)) {
    console.log(`mlflow: MLFLOW_TRACKING_URI=${uri} is not http(s); not logging`);
    return null;
  }
  const client = new MlflowClient(uri);
  const tracking = { client, runId: '', experimentId: '', created: false };
  const attachTo = process.env.MLFLOW_RUN_ID;
  if (attachTo) {
    const r = await client.api('GET', 'runs/get', { query: { run_id: attachTo } });
    tracking.runId = attachTo;
    tracking.experimentId = r.run.info.experiment_id;
  } else {
    const name = process.env.MLFLOW_EXPERIMENT_NAME || 'credit-risk';
    tracking.experimentId = process.env.MLFLOW_EXPERIMENT_ID || (await client.experimentId(name));
    const runName = `${params.model}-lr${params.lr}-${params.model === 'gbt' ? `t${params.trees}d${params.depth}` : `e${params.epochs}`}`;
    const r = await client.api('POST', 'runs/create', {
      body: {
        experiment_id: tracking.experimentId,
        start_time: Date.now(),
        run_name: runName,
        tags: [
          { key: 'mlflow.runName', value: runName },
          { key: 'mlflow.source.name', value: 'train.mjs' },
          { key: 'mlflow.source.type', value: 'LOCAL' },
        ],
      },
    });
    tracking.runId = r.run.info.run_id;
    tracking.created = true;
    activeTracking = tracking; // from here on, a failure marks the run FAILED
  }
  console.log(`mlflow: run ${tracking.runId} (experiment ${tracking.experimentId})${tracking.created ? '' : ' [attached]'}`);
  const loggedParams = Object.entries(paramsToLog(params)).map(([key, value]) => ({ key, value: String(value) }));
  await client.logBatch(tracking.runId, {
    params: loggedParams,
    tags: [
      { key: 'mlflow.source.name', value: 'train.mjs' },
      { key: 'model_type', value: params.model },
    ],
  });
  await client.api('POST', 'runs/log-inputs', {
    body: {
      run_id: tracking.runId,
      datasets: [
        {
          dataset: { name: 'train', digest, source_type: 'local', source: params.data },
          tags: [{ key: 'mlflow.data.context', value: 'training' }],
        },
      ],
    },
  });
  return tracking;
}

function paramsToLog(params) {
  const common = ['model', 'lr', 'seed', 'threshold', 'val_fraction', 'data', 'label'];
  const specific = params.model === 'gbt' ? ['trees', 'depth'] : ['epochs', 'batch_size', 'l2'];
  return Object.fromEntries([...common, ...specific].map((k) => [k, params[k]]));
}

async function endTracking(tracking, status) {
  if (!tracking || !tracking.created) return;
  await tracking.client.api('POST', 'runs/update', { body: { run_id: tracking.runId, status, end_time: Date.now() } });
}

// ---------------------------------------------------------------------------------------------
// Main

async function main() {
  const started = Date.now();
  const params = parseCli(process.argv.slice(2));
  const dataPath = path.resolve(params.data);
  if (!fs.existsSync(dataPath)) throw new UsageError(`data file not found: ${params.data}`);
  const table = loadTable(dataPath, params.label);
  const { train, val } = stratifiedSplit(table.y, params.val_fraction, params.seed);
  const pre = fitPreprocessing(table, train);
  const d = pre.features.length;
  const Xtr = encode(table, pre, train);
  const Xva = encode(table, pre, val);
  const ytr = Float64Array.from(train, (i) => table.y[i]);
  const yva = Float64Array.from(val, (i) => table.y[i]);
  const positives = table.y.reduce((s, v) => s + v, 0);
  console.log(
    `data: ${params.data} rows=${table.rows} features=${d} positive_rate=${(positives / table.rows).toFixed(4)} ` +
      `train=${train.length} val=${val.length} digest=${table.digest}`,
  );

  const tracking = await startTracking(params, table.digest);
  if (tracking?.created) activeTracking = tracking;

  const history = [];
  const onStep = async (step, metrics, label) => {
    history.push({ step, ...metrics });
    console.log(`${label} ${fmt(metrics)}`);
    if (tracking) {
      const timestamp = Date.now();
      await tracking.client.logBatch(tracking.runId, {
        metrics: METRIC_KEYS.map((key) => ({ key, value: metrics[key], timestamp, step })),
      });
    }
  };

  const ctx = { Xtr, ytr, Xva, yva, d, params, onStep };
  const { fitted, pVal } = params.model === 'gbt' ? await trainGbt(ctx) : await trainLogreg(ctx);
  const final = history[history.length - 1];

  const outDir = path.resolve(params.out);
  fs.mkdirSync(outDir, { recursive: true });
  const model = {
    format: 'mldesk-tabular-v1',
    model_type: params.model,
    label: params.label,
    positive_class: 1,
    threshold: params.threshold,
    preprocessing: {
      feature_order: pre.features,
      numeric: pre.numeric,
      categorical: pre.categorical,
      notes:
        'numeric: x = transform(raw) (log1p or none); missing -> 0 after standardising ((x - mean) / std) and ' +
        '<name>__missing = 1. categorical: one-hot "<name>=<value>" in vocabulary order; unknown -> all zeros.',
    },
    ...(params.model === 'gbt'
      ? {
          gbt: {
            ...fitted,
            notes: 'logit = base_score + sum of leaf values; a node with "feature" sends x[feature] < threshold to "left"; leaf values already include the learning rate.',
          },
        }
      : { weights: fitted.weights, bias: fitted.bias }),
    params: paramsToLog(params),
    data: { source: params.data, digest: table.digest, rows: table.rows },
  };
  const metricsDoc = {
    model_type: params.model,
    final,
    history,
    data: { source: params.data, digest: table.digest, rows: table.rows, train_rows: train.length, val_rows: val.length, positive_rate: positives / table.rows },
  };
  const modelFile = path.join(outDir, 'model.json');
  const metricsFile = path.join(outDir, 'metrics.json');
  fs.writeFileSync(modelFile, JSON.stringify(model, null, 2) + '\n');
  fs.writeFileSync(metricsFile, JSON.stringify(metricsDoc, null, 2) + '\n');

  // The same model as ONNX (preprocessing in the graph), as an MLflow onnx-flavor folder.
  const columns = table.columns.map(({ name, type }) => ({ name, type }));
  const onnx =
    params.model === 'gbt'
      ? gbtOnnx({ pre, columns, gbt: fitted, threshold: params.threshold, standardize })
      : logregOnnx({ pre, columns, weights: fitted.weights, bias: fitted.bias, threshold: params.threshold });
  const onnxFile = path.join(outDir, 'model.onnx');
  const mlmodelFile = path.join(outDir, 'MLmodel');
  fs.writeFileSync(onnxFile, onnx);
  fs.writeFileSync(mlmodelFile, mlmodelYaml({ columns, sizeBytes: onnx.length, runId: tracking?.runId, uuid: randomUUID().replace(/-/g, ''), created: new Date() }));
  const predictionsFile = path.join(outDir, 'val_predictions.csv');
  fs.writeFileSync(predictionsFile, validationCsv(table, val, yva, pVal, params.threshold));
  const rel = (f) => path.relative(process.cwd(), f) || f;
  console.log(`wrote ${rel(modelFile)}, ${rel(onnxFile)}, ${rel(mlmodelFile)}, ${rel(metricsFile)} and ${rel(predictionsFile)}`);

  if (tracking) {
    const upload = (artifactPath, file) => tracking.client.uploadArtifact(tracking.experimentId, tracking.runId, artifactPath, file);
    await upload('model/model.json', modelFile);
    await upload('model/model.onnx', onnxFile);
    await upload('model/MLmodel', mlmodelFile);
    await upload('metrics.json', metricsFile);
    await upload('eval/val_predictions.csv', predictionsFile);
    activeTracking = null;
    await endTracking(tracking, 'FINISHED');
  }
  console.log(`done in ${((Date.now() - started) / 1000).toFixed(1)}s`);
  console.log(`final val_auc=${final.val_auc.toFixed(4)}`);
}

/**
 * The script's own validation predictions: `row` is the 0-based data row of --data, then the
 * identifier columns, the label, the predicted class and P(class 1) at full double precision.
 */
function validationCsv(table, val, yva, pVal, threshold) {
  const ids = table.header.map((name, index) => ({ name, index })).filter((c) => c.name === 'id' || c.name.endsWith('_id'));
  const quote = (v) => (/[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
  const lines = [['row', ...ids.map((c) => c.name), 'label', 'prediction', 'probability'].map(quote).join(',')];
  for (let k = 0; k < val.length; k++) {
    const row = table.data[val[k]];
    lines.push([String(val[k]), ...ids.map((c) => quote(row[c.index])), String(yva[k]), pVal[k] >= threshold ? '1' : '0', String(pVal[k])].join(','));
  }
  return lines.join('\n') + '\n';
}

let activeTracking = null;

async function failTracking(status) {
  const t = activeTracking;
  activeTracking = null;
  if (!t) return;
  try {
    await endTracking(t, status);
  } catch (e) {
    console.error(`mlflow: could not mark run ${t.runId} ${status}: ${e.message}`);
  }
}

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    console.error(`received ${signal}, stopping`);
    failTracking('KILLED').finally(() => process.exit(130));
  });
}

main().catch(async (e) => {
  console.error(e instanceof UsageError || e instanceof MlflowError ? `error: ${e.message}` : e?.stack ?? String(e));
  await failTracking('FAILED');
  process.exit(e instanceof UsageError ? 2 : 1);
});
