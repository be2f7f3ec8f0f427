import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { renderHeapSummary, summarizeHeapSnapshot, type HeapSnapshot } from '../../scripts/bench/heap-summary.js';

describe('summarizeHeapSnapshot', () => {
  it('sums self sizes by type and constructor, strings by type alone, largest first', () => {
    const heap: HeapSnapshot = {
      snapshot: { meta: { node_fields: ['type', 'name', 'id', 'self_size', 'edge_count'], node_types: [['hidden', 'array', 'string', 'object', 'code'], 'string'] } },
      // type, name, id, self_size, edge_count
      nodes: [3, 0, 1, 100, 0, 3, 0, 3, 100, 0, 3, 1, 5, 40, 0, 2, 2, 7, 30, 0, 2, 3, 9, 20, 0],
      strings: ['Lease', 'Map', 'some text', 'other text'],
    };
    const summary = summarizeHeapSnapshot(heap);
    expect(summary).toEqual({
      totalBytes: 290,
      nodes: 5,
      groups: [
        { type: 'object', name: 'Lease', count: 2, selfBytes: 200 },
        { type: 'string', name: '(string)', count: 2, selfBytes: 50 },
        { type: 'object', name: 'Map', count: 1, selfBytes: 40 },
      ],
    });
    expect(summarizeHeapSnapshot(heap, 1).groups).toHaveLength(1);
    expect(renderHeapSummary(summary).split('\n')[1]).toMatch(/^\s+0\.0 MiB\s+69\.0%\s+2\s+Lease$/);
  });

  it('reads a real snapshot that Node wrote, and finds the objects a program keeps', () => {
    const dir = mkdtempSync(join(tmpdir(), 'heap-summary-'));
    try {
      const file = join(dir, 'test.heapsnapshot');
      execFileSync(process.execPath, ['-e', `class KeptThing { constructor(i) { this.i = i; } } globalThis.kept = Array.from({ length: 20000 }, (_, i) => new KeptThing(i)); require('v8').writeHeapSnapshot(${JSON.stringify(file)});`]);
      const summary = summarizeHeapSnapshot(JSON.parse(readFileSync(file, 'utf8')) as HeapSnapshot, 1000);
      const kept = summary.groups.find((group) => group.type === 'object' && group.name === 'KeptThing');
      expect(kept?.count).toBe(20000);
      expect(kept?.selfBytes).toBeGreaterThan(20000 * 8);
      expect(summary.totalBytes).toBeGreaterThan(kept?.selfBytes ?? 0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a file that is not a heap snapshot', () => {
    expect(() => summarizeHeapSnapshot({ snapshot: { meta: { node_fields: [], node_types: [] } }, nodes: [], strings: [] })).toThrow(/not a V8 heap snapshot/);
  });
});
