/**
 * The drift engine's public face: pure statistics (no files, no other features), so data validation imports
 * it (`../monitor/drift`) without a cycle through the monitor service.
 */
export {
  autoMethod,
  categoricalValues,
  columnDrift,
  compareTables,
  datasetVerdict,
  DEFAULT_THRESHOLDS,
  numericValues,
  SHARE_THRESHOLD,
  type ColumnOptions,
  type ColumnTable,
  type ColumnValues,
  type CompareOptions,
} from './engine';
export {
  binCountsRight,
  chiSquareDrift,
  chisquare,
  histogramSorted,
  jensenShannon,
  ks2samp,
  meanStd,
  psi,
  PSI_BINS,
  PSI_FLOOR,
  psiNumeric,
  quantileEdges,
  quantileSorted,
  sharesOf,
  sturgesEdges,
  wasserstein,
  wassersteinNorm,
  zTestDrift,
  type TestResult,
} from './stats';
export { finiteSorted, sortedCopy } from './sort';
export { chi2Sf, erfc, gammaincc, kstwoSf, ks2sampPValue, lgamma, normCdf, normTwoSided, smirnovSf } from './special';
