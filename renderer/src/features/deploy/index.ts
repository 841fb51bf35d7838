/** Public face of the deploy feature (the page itself is lazy-loaded by the sections registry). */
export { DeployIcon } from './icon';
export { DeployWizard, type WizardPrefill } from './DeployWizard';
export { QuickDeploy } from './QuickDeploy';
