import { test } from 'node:test';
import assert from 'node:assert/strict';
import { collectInventory, readBootTimeMs, type InventoryProbe } from './inventory';
import { fixture } from './test-support';

const never = <T>(): Promise<T> => new Promise<T>(() => {});

const fake: InventoryProbe = {
  cpu: async () => ({ manufacturer: 'Intel', brand: 'Xeon Gold 6338', cores: 8, physicalCores: 4, speed: 2.0 }),
  osInfo: async () => ({ platform: 'linux', distro: 'Debian GNU/Linux', release: '12', kernel: '6.1.0', arch: 'x64', hostname: 'web-1' }),
  system: async () => { throw new Error('dmidecode: permission denied'); },
  diskLayout: never,
  mem: async () => ({ total: 8e9, swaptotal: 1e9 }),
  networkInterfaces: async () => [
    { ip4: '10.0.2.15', ip6: 'fe80::1%eth0', internal: false },
    { ip4: '127.0.0.1', ip6: '::1', internal: true },
  ],
};

test('collectInventory keeps what succeeded when calls fail or hang', async () => {
  const inv = await collectInventory({ probe: fake, timeoutMs: 50, procRoot: fixture('host/t0/proc') });
  assert.deepEqual(inv, {
    hostname: 'web-1',
    os: { platform: 'linux', distro: 'Debian GNU/Linux', release: '12', kernel: '6.1.0', arch: 'x64' },
    cpu: { model: 'Intel Xeon Gold 6338', cores: 8, physicalCores: 4, mhz: 2000 },
    memory: { totalBytes: 8e9, swapTotalBytes: 1e9 },
    system: { manufacturer: '', model: '', virtual: false },
    disks: [],
    bootTimeMs: 1795626146000,
    addresses: ['10.0.2.15', 'fe80::1', '127.0.0.1'],
  });
});

test('collectInventory never rejects, even when every call throws synchronously', async () => {
  const boom = (): never => { throw new Error('boom'); };
  const probe: InventoryProbe = { cpu: boom, osInfo: boom, system: boom, diskLayout: boom, mem: boom, networkInterfaces: boom };
  const inv = await collectInventory({ probe, timeoutMs: 50, procRoot: '/nonexistent' });
  assert.equal(inv.cpu.model, '');
  assert.equal(inv.bootTimeMs, 0);
  assert.ok(inv.hostname.length > 0, 'falls back to os.hostname()');
  assert.deepEqual(inv.addresses, ['127.0.0.1']);
});

test('collectInventory on this machine with systeminformation', async () => {
  const t0 = performance.now();
  const inv = await collectInventory();
  console.log(`inventory in ${(performance.now() - t0).toFixed(0)} ms: ${inv.cpu.model}, ${inv.cpu.cores} cores, ${inv.os.distro} ${inv.os.kernel}, disks ${inv.disks.map((d) => d.name).join(',')}`);
  assert.equal(inv.os.platform, 'linux');
  assert.ok(inv.cpu.cores > 0, 'cores');
  assert.ok(inv.memory.totalBytes > 0, 'memory');
  assert.equal(inv.bootTimeMs, readBootTimeMs('/proc'));
  assert.ok(inv.addresses.includes('127.0.0.1'), '127.0.0.1 is always listed');
});
