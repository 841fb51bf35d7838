/** Public face of the targets feature: the Settings section, and the picker other features (deploy wizard, New run) reuse. */
export { TargetsSection } from './TargetsSection';
export { TargetPicker, type TargetPickerProps } from './TargetPicker';
export { TargetKindBadge } from './KindBadge';
export { TestResult } from './TestResult';
export { KIND_LABELS, lastTestSummary, endpointLine } from './format';
