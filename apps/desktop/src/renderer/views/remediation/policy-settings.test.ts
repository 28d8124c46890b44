import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RemediationPolicyView } from '@cerebro/shared/api/contract';
import { settingsChanges } from './PolicyPanel';

const policy: RemediationPolicyView = {
  file: '/x/remediation-policy.json',
  killSwitch: false,
  defaultLevel: 'suggest',
  requireDryRun: true,
  groups: [],
  runbooks: [],
  blastRadius: { maxConcurrentHosts: 3, maxRunsPerHourPerRunbook: 10, maxRunsPerHourPerHost: 6 },
  maintenanceMode: 'off',
};
const same = { defaultLevel: 'suggest', requireDryRun: 'true', maxConcurrentHosts: '3', maxRunsPerHourPerRunbook: '10', maxRunsPerHourPerHost: '6', maintenanceMode: 'off' } as const;

test('the settings form sends only what differs from the policy in force', () => {
  assert.deepEqual(settingsChanges(policy, same), {}, 'nothing changed: nothing to apply');
  assert.deepEqual(settingsChanges(policy, { ...same, maxRunsPerHourPerHost: '12', requireDryRun: 'per-host' }), { requireDryRun: 'per-host', blastRadius: { maxRunsPerHourPerHost: 12 } });
  assert.deepEqual(settingsChanges(policy, { ...same, requireDryRun: 'false', defaultLevel: 'observe', maintenanceMode: 'only-inside' }), { defaultLevel: 'observe', requireDryRun: false, maintenanceMode: 'only-inside' });
  assert.deepEqual(settingsChanges(policy, { ...same, maxConcurrentHosts: '2.5' }), { blastRadius: { maxConcurrentHosts: '2.5' } }, 'not a whole number: sent as typed, for the console to refuse by name');
});
