/** Public face of the projects feature. */
export { ProjectsPage } from './ProjectsPage';
export { useProjects, useProjectsSync } from './store';
export { projectCsvColumns } from './csv';
