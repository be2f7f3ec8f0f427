/** The `cost` summary as kubectl-style tables (pure): per namespace, per cluster, and the total. */
import type { CostSummary, CostTotal } from './cost-summary.js';
import type { Paint } from './text-style.js';

/** Columns padded to their widest cell plus three spaces, as kubectl's tables. */
function table(rows: readonly string[][]): string[] {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? '').length)));
  return rows.map((row) => row.map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column]! + 3))).join(''));
}

const figures = (total: CostTotal): string[] => [String(total.workloads), String(total.pods), total.hourlyUSD.toFixed(4), total.monthlyUSD.toFixed(2)];
const HEADER = ['WORKLOADS', 'PODS', 'USD/HOUR', 'USD/MONTH'];

export function renderCost(summary: CostSummary, paint: Paint): string {
  const namespaces = table([['NAMESPACE', ...HEADER], ...summary.namespaces.map((row) => [row.namespace, ...figures(row)])]);
  const clusters = table([['CLUSTER', ...HEADER], ...summary.clusters.map((row) => [row.cluster ?? '<none>', ...figures(row)]), ['TOTAL', ...figures(summary.total)]]);
  clusters[clusters.length - 1] = paint(clusters[clusters.length - 1]!, 'strong');
  return `${namespaces.join('\n')}\n\n${clusters.join('\n')}\n`;
}
