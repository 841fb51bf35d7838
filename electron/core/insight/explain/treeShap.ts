/**
 * Exact path-dependent TreeSHAP (Lundberg, Erion & Lee 2018, Algorithm 2) for tree ensembles, in the ensemble's
 * margin (raw score) space: O(leaves · depth²) per tree instead of the 2^M coalitions of the definition.
 *
 * The value function is the path-dependent conditional expectation: at a split on a feature in S follow x, at
 * any other split average the children weighted by the share of the training (background) rows that went each
 * way — the node "covers". ONNX trees carry no covers, so `setCovers` routes a matrix through the trees.
 */

/** Split comparison of ai.onnx.ml tree ensembles: x `op` threshold sends a row to the true branch. */
export const Mode = { LEQ: 0, LT: 1, GTE: 2, GT: 3, EQ: 4, NEQ: 5, LEAF: 6 } as const;

/** One tree as flat arrays over its nodes (index 0 is the root). */
export interface Tree {
  feature: Int32Array;
  threshold: Float64Array;
  mode: Uint8Array;
  /** A NaN feature value takes the true branch (ONNX nodes_missing_value_tracks_true). */
  missingTrue: Uint8Array;
  /** Child taken when the comparison holds / fails (−1 at a leaf). */
  yes: Int32Array;
  no: Int32Array;
  /** Leaf value of the explained score (0 at inner nodes). */
  value: Float64Array;
  /** Share of the parent's cover this node received (root: 1). Filled by `setCovers`. */
  share: Float64Array;
  depth: number;
}

export interface TreeEnsemble {
  trees: Tree[];
  /** Constant added to the sum of leaf values (ONNX base_values). */
  base: number;
  /** Multiplier of the sum of leaves (1, or 1/trees for an AVERAGE regressor). */
  scale: number;
  /** Columns of the matrix the trees read (max feature id + 1). */
  width: number;
}

export interface TreeShapResult {
  /** One value per matrix column. */
  phi: number[];
  /** E[margin] under the covers. */
  expected: number;
  /** The ensemble's margin at e. */
  fx: number;
}

export function goesYes(t: Tree, node: number, v: number): boolean {
  const th = t.threshold[node]!;
  let r: boolean;
  switch (t.mode[node]) {
    case Mode.LEQ:
      r = v <= th;
      break;
    case Mode.LT:
      r = v < th;
      break;
    case Mode.GTE:
      r = v >= th;
      break;
    case Mode.GT:
      r = v > th;
      break;
    case Mode.EQ:
      r = v === th;
      break;
    default:
      r = v !== th;
  }
  return r || (t.missingTrue[node] === 1 && Number.isNaN(v));
}

/** The leaf a row reaches. */
export function leafOf(t: Tree, e: Float64Array, offset = 0): number {
  let n = 0;
  while (t.mode[n] !== Mode.LEAF) n = goesYes(t, n, e[offset + t.feature[n]!]!) ? t.yes[n]! : t.no[n]!;
  return n;
}

/** The ensemble's margin (base + scale · Σ leaf values) for the row at `offset` of a row-major matrix. */
export function margin(ens: TreeEnsemble, e: Float64Array, offset = 0): number {
  let s = 0;
  for (const t of ens.trees) s += t.value[leafOf(t, e, offset)]!;
  return ens.base + ens.scale * s;
}

/**
 * Node covers from the rows of a row-major matrix (n × ens.width) or from explicit counts per node: each child's
 * share is its count over its parent's. A node no row reached splits its mass evenly, so the expectation stays
 * defined there (it matters only to rows that do reach it).
 */
export function setCovers(ens: TreeEnsemble, matrix: Float64Array | null, rows: number, counts?: Float64Array[]): void {
  ens.trees.forEach((t, ti) => {
    let c = counts?.[ti];
    if (!c) {
      c = new Float64Array(t.feature.length);
      for (let r = 0; r < rows; r++) {
        let n = 0;
        c[0]!++;
        while (t.mode[n] !== Mode.LEAF) {
          n = goesYes(t, n, matrix![r * ens.width + t.feature[n]!]!) ? t.yes[n]! : t.no[n]!;
          c[n]!++;
        }
      }
    }
    t.share[0] = 1;
    for (let n = 0; n < t.feature.length; n++) {
      if (t.mode[n] === Mode.LEAF) continue;
      const y = t.yes[n]!;
      const no = t.no[n]!;
      const sum = c[y]! + c[no]!;
      t.share[y] = sum > 0 ? c[y]! / sum : 0.5;
      t.share[no] = sum > 0 ? c[no]! / sum : 0.5;
    }
  });
}

/** E[margin]: every leaf weighted by the product of shares on its path. */
export function expectedMargin(ens: TreeEnsemble): number {
  let s = 0;
  for (const t of ens.trees) {
    const walk = (n: number, p: number): number => (t.mode[n] === Mode.LEAF ? p * t.value[n]! : walk(t.yes[n]!, p * t.share[t.yes[n]!]!) + walk(t.no[n]!, p * t.share[t.no[n]!]!));
    s += walk(0, 1);
  }
  return ens.base + ens.scale * s;
}

// ---------------------------------------------------------------------------------------------
// Algorithm 2. The "unique path" of the features split on from the root to the current node, kept in flat
// arrays: the path at recursion depth d lives at offset d·(maxDepth+2) (each level copies its parent's path).

class PathPool {
  readonly feature: Int32Array;
  readonly zero: Float64Array;
  readonly one: Float64Array;
  readonly pweight: Float64Array;
  constructor(readonly stride: number) {
    const size = stride * (stride + 1);
    this.feature = new Int32Array(size);
    this.zero = new Float64Array(size);
    this.one = new Float64Array(size);
    this.pweight = new Float64Array(size);
  }
}

function extendPath(p: PathPool, at: number, depth: number, zero: number, one: number, feature: number): void {
  p.feature[at + depth] = feature;
  p.zero[at + depth] = zero;
  p.one[at + depth] = one;
  p.pweight[at + depth] = depth === 0 ? 1 : 0;
  for (let i = depth - 1; i >= 0; i--) {
    p.pweight[at + i + 1]! += (one * p.pweight[at + i]! * (i + 1)) / (depth + 1);
    p.pweight[at + i] = (zero * p.pweight[at + i]! * (depth - i)) / (depth + 1);
  }
}

function unwindPath(p: PathPool, at: number, depth: number, index: number): void {
  const one = p.one[at + index]!;
  const zero = p.zero[at + index]!;
  let next = p.pweight[at + depth]!;
  for (let i = depth - 1; i >= 0; i--) {
    if (one !== 0) {
      const tmp = p.pweight[at + i]!;
      p.pweight[at + i] = (next * (depth + 1)) / ((i + 1) * one);
      next = tmp - (p.pweight[at + i]! * zero * (depth - i)) / (depth + 1);
    } else {
      p.pweight[at + i] = (p.pweight[at + i]! * (depth + 1)) / (zero * (depth - i));
    }
  }
  for (let i = index; i < depth; i++) {
    p.feature[at + i] = p.feature[at + i + 1]!;
    p.zero[at + i] = p.zero[at + i + 1]!;
    p.one[at + i] = p.one[at + i + 1]!;
  }
}

/** Σ of the path weights with element `index` unwound (without modifying the path). */
function unwoundSum(p: PathPool, at: number, depth: number, index: number): number {
  const one = p.one[at + index]!;
  const zero = p.zero[at + index]!;
  let next = p.pweight[at + depth]!;
  let total = 0;
  for (let i = depth - 1; i >= 0; i--) {
    if (one !== 0) {
      const tmp = (next * (depth + 1)) / ((i + 1) * one);
      total += tmp;
      next = p.pweight[at + i]! - (tmp * zero * (depth - i)) / (depth + 1);
    } else {
      total += (p.pweight[at + i]! / zero) * ((depth + 1) / (depth - i));
    }
  }
  return total;
}

function recurse(t: Tree, e: Float64Array, offset: number, phi: Float64Array, p: PathPool, node: number, level: number, depth: number, zero: number, one: number, feature: number, scale: number): void {
  const at = level * p.stride;
  if (level > 0) {
    // Copy the parent's path (its `depth` elements) into this level's slot.
    const from = at - p.stride;
    for (let i = 0; i < depth; i++) {
      p.feature[at + i] = p.feature[from + i]!;
      p.zero[at + i] = p.zero[from + i]!;
      p.one[at + i] = p.one[from + i]!;
      p.pweight[at + i] = p.pweight[from + i]!;
    }
  }
  extendPath(p, at, depth, zero, one, feature);
  if (t.mode[node] === Mode.LEAF) {
    const v = t.value[node]! * scale;
    for (let i = 1; i <= depth; i++) {
      const w = unwoundSum(p, at, depth, i);
      phi[p.feature[at + i]!]! += w * (p.one[at + i]! - p.zero[at + i]!) * v;
    }
    return;
  }
  const split = t.feature[node]!;
  const yes = goesYes(t, node, e[offset + split]!);
  const hot = yes ? t.yes[node]! : t.no[node]!;
  const cold = yes ? t.no[node]! : t.yes[node]!;
  let inZero = 1;
  let inOne = 1;
  // A feature split on again: undo its earlier split so it counts once on the path.
  let k = 0;
  while (k <= depth && p.feature[at + k] !== split) k++;
  if (k <= depth) {
    inZero = p.zero[at + k]!;
    inOne = p.one[at + k]!;
    unwindPath(p, at, depth, k);
    depth--;
  }
  const hotZero = t.share[hot]! * inZero;
  const coldZero = t.share[cold]! * inZero;
  // A branch with both fractions 0 carries no weight (and would divide 0 by 0).
  if (hotZero !== 0 || inOne !== 0) recurse(t, e, offset, phi, p, hot, level + 1, depth + 1, hotZero, inOne, split, scale);
  if (coldZero !== 0) recurse(t, e, offset, phi, p, cold, level + 1, depth + 1, coldZero, 0, split, scale);
}

const pools = new Map<number, PathPool>();
function poolFor(maxDepth: number): PathPool {
  const stride = maxDepth + 2;
  let p = pools.get(stride);
  if (!p) pools.set(stride, (p = new PathPool(stride)));
  return p;
}

/**
 * Adds the SHAP values of the row at `offset` of a row-major matrix to `phi` (length ens.width) and returns the
 * margin there. The caller adds `expectedMargin(ens)` (constant per ensemble) for the base value.
 */
export function treeShapInto(ens: TreeEnsemble, e: Float64Array, offset: number, phi: Float64Array): number {
  let maxDepth = 0;
  for (const t of ens.trees) maxDepth = Math.max(maxDepth, t.depth);
  const pool = poolFor(maxDepth);
  for (const t of ens.trees) recurse(t, e, offset, phi, pool, 0, 0, 0, 1, 1, -1, ens.scale);
  return margin(ens, e, offset);
}

/** Exact TreeSHAP of one encoded row: phi per matrix column, expected margin, margin (expected + Σphi = fx). */
export function treeShap(ens: TreeEnsemble, e: Float64Array): TreeShapResult {
  const phi = new Float64Array(ens.width);
  const fx = treeShapInto(ens, e, 0, phi);
  return { phi: Array.from(phi), expected: expectedMargin(ens), fx };
}

/** A tree's depth (edges on its longest root-to-leaf path). */
export function treeDepth(t: Pick<Tree, 'mode' | 'yes' | 'no'>): number {
  const walk = (n: number): number => (t.mode[n] === Mode.LEAF ? 0 : 1 + Math.max(walk(t.yes[n]!), walk(t.no[n]!)));
  return walk(0);
}
