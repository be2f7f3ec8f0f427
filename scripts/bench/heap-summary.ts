/**
 * What a V8 heap snapshot (`.heapsnapshot`, as `--heapsnapshot-signal` writes it) holds, summed by
 * kind of object: the benchmark's answer to "where does the memory go", measured rather than
 * guessed. Self sizes only (what each object occupies itself, not what it keeps alive).
 */

/** The parts of the snapshot format this reads (meta, the flat node array, the string table). */
export interface HeapSnapshot {
  snapshot: { meta: { node_fields: string[]; node_types: unknown[] } };
  nodes: number[];
  strings: string[];
}

/** One kind of object: its V8 node type (object, string, code, closure, ...) and name (constructor, or the type for strings and code). */
export interface HeapGroup {
  type: string;
  name: string;
  count: number;
  selfBytes: number;
}

/** The heap by kind of object, largest first. */
export interface HeapSummary {
  totalBytes: number;
  nodes: number;
  groups: HeapGroup[];
}

/** Types whose nodes are named by their content (a string's text, a code object's function): grouped by type alone. */
const GROUPED_BY_TYPE = new Set(['string', 'concatenated string', 'sliced string', 'code', 'number', 'bigint', 'symbol']);

/** Sums a snapshot's nodes by type and name; the `top` largest groups are kept (pure). */
export function summarizeHeapSnapshot(heap: HeapSnapshot, top = 20): HeapSummary {
  const fields = heap.snapshot.meta.node_fields;
  const types = heap.snapshot.meta.node_types[0];
  if (!Array.isArray(types)) throw new Error('not a V8 heap snapshot: meta.node_types[0] is not the list of node types');
  const stride = fields.length;
  const typeAt = fields.indexOf('type');
  const nameAt = fields.indexOf('name');
  const sizeAt = fields.indexOf('self_size');
  if (stride === 0 || typeAt < 0 || nameAt < 0 || sizeAt < 0) throw new Error('not a V8 heap snapshot: node_fields lacks type, name or self_size');
  const groups = new Map<string, HeapGroup>();
  let totalBytes = 0;
  for (let i = 0; i < heap.nodes.length; i += stride) {
    const type = String(types[heap.nodes[i + typeAt] as number] ?? 'unknown');
    const size = heap.nodes[i + sizeAt] as number;
    const name = GROUPED_BY_TYPE.has(type) ? `(${type})` : heap.strings[heap.nodes[i + nameAt] as number] ?? '';
    const key = `${type}\u0000${name}`;
    const group = groups.get(key) ?? { type, name, count: 0, selfBytes: 0 };
    group.count += 1;
    group.selfBytes += size;
    groups.set(key, group);
    totalBytes += size;
  }
  const sorted = [...groups.values()].sort((a, b) => b.selfBytes - a.selfBytes);
  return { totalBytes, nodes: heap.nodes.length / stride, groups: sorted.slice(0, top) };
}

/** The summary as lines of text: MiB, share and count per group. */
export function renderHeapSummary(summary: HeapSummary): string {
  const mib = (bytes: number): string => (bytes / 2 ** 20).toFixed(1).padStart(7);
  const lines = [`heap: ${mib(summary.totalBytes).trim()} MiB in ${summary.nodes} objects; largest kinds (self size):`];
  for (const group of summary.groups) {
    const share = ((group.selfBytes / Math.max(1, summary.totalBytes)) * 100).toFixed(1).padStart(5);
    lines.push(`  ${mib(group.selfBytes)} MiB ${share}%  ${String(group.count).padStart(8)}  ${group.type === 'object' ? group.name : `${group.name} [${group.type}]`}`);
  }
  return lines.join('\n');
}
