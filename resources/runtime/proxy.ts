// PLACEHOLDER: the deployment proxy (owns a deployment's stable port; switches upstream on redeploy).
// Replaced by the deploy implementation.
console.error('mldesk proxy: not implemented yet');
process.exit(1);
