/** Public face of model insight in the UI: the version's Insight tab, "Why this prediction?" and recent inferences. */
export { InsightTab } from './InsightTab';
export { LocalExplain, WhyDialog, type RowSource } from './LocalExplain';
export { RecentInferences } from './RecentInferences';
export { InsightIcon } from './icon';
