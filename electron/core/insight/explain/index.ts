/**
 * Local explanations of one prediction: KernelSHAP (any model behind a batch predict), exact TreeSHAP (ONNX tree
 * ensembles, attributions summed per raw column) and LIME (a sparse local linear surrogate with its fidelity).
 */
export { kernelShap, DEFAULT_BACKGROUND, DEFAULT_MAX_COALITIONS, type KernelShapOptions, type KernelShapResult } from './kernelShap';
export { treeShap, treeShapInto, expectedMargin, margin, setCovers, Mode, type Tree, type TreeEnsemble, type TreeShapResult } from './treeShap';
export { parseTreeEnsemble, type OnnxTreeModel, type PostTransform } from './onnxTrees';
export { treeExplainer, type TreeAttribution, type TreeExplainer, type TreeExplainerOptions } from './treeExplainer';
export { lime, type LimeOptions, type LimeResult } from './lime';
export { sessionPredict, rowsToFeeds, SESSION_OPTIONS, type SessionPredictOptions } from './onnxFeeds';
export { withOutputs } from './onnxProto';
export { mulberry32, sampleRows } from './random';
