import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Incident } from '@cerebro/shared/api/contract';
import { incidentHighlight } from './highlight';

test('an incident highlights its subgraph, its hosts and its causes', () => {
  const i = {
    hostIds: ['a', 'b'],
    causes: [{ node: 'proc:a:7' }, { node: 'host:b' }],
    subgraph: { nodes: ['host:a', 'proc:c:1'], edges: [] },
  } as unknown as Incident;
  assert.deepEqual([...incidentHighlight(i)].sort(), ['host:a', 'host:b', 'proc:a:7', 'proc:c:1']);
});
