import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IncidentAlertRef } from '@cerebro/shared/api/contract';
import { foldedAlertsText } from './folded-alerts';

const ref = (o: Partial<IncidentAlertRef>): IncidentAlertRef => ({ id: 'a', hostId: 'web-01', seriesKey: 'cpu.util_pct', kind: 'metric', severity: 'warning', state: 'open', startMs: 1, ...o });

test("folded alerts are counted with the reasons that can apply: the console's own runs' effects, a lost host only when one is listed", () => {
  assert.equal(foldedAlertsText({ alerts: [ref({})], suppressed: { count: 0, alertIds: [] } }), null, 'nothing folded: no line');
  assert.equal(
    foldedAlertsText({ alerts: [ref({})], suppressed: { count: 1, alertIds: ['b'] } }),
    "1 related alert folded in, not listed: effects of the console's own remediation runs (the exit of a process a run stopped, its supervisor's lines about it, a cleaned filesystem falling) or alerts past the listing limit",
  );
  const lost = foldedAlertsText({ alerts: [ref({}), ref({ id: 'l', seriesKey: 'host.lost', kind: 'host' })], suppressed: { count: 3, alertIds: ['b', 'c', 'd'] } });
  assert.match(lost ?? '', /^3 related alerts folded in, not listed: effects of the console's own remediation runs \(.*\), alerts of a lost host \(its host\.lost alert stands for them\) or alerts past the listing limit$/);
});
