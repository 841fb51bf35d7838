import type { ClusterSpec } from './cluster';
import { helmChart } from './kubernetes';

/** "Export Helm chart" as the contract answers it: the chart's files and its .tgz (base64, for a browser download). */
export async function helmChartFiles(spec: ClusterSpec, namespace: string): Promise<{ name: string; files: Record<string, string>; tgzBase64: string }> {
  const chart = await helmChart(spec, namespace);
  return { name: chart.name, files: chart.files, tgzBase64: chart.tgz.toString('base64') };
}
