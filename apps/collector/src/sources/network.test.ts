import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NetworkSource, parseNetDev, parseSnmp } from './network';
import { RecordingOutput, T0, fixture, overlayTree, readFixture, stageTree, testContext } from './test-support';

test('parseNetDev reads every interface, including counters glued to the colon', () => {
  const rows = parseNetDev(readFixture('host/t0/proc/net/dev'));
  assert.deepEqual(rows.map((r) => r.iface), ['lo', 'ifb0', 'ifb1', 'eth0']);
  assert.deepEqual(rows[3], {
    iface: 'eth0', rxBytes: 458925836, rxPackets: 13495, rxErrs: 0, rxDrop: 0,
    txBytes: 1233906, txPackets: 8963, txErrs: 0, txDrop: 0,
  });
  const glued = parseNetDev('h1\nh2\neth1:123456789012 5 1 2 0 0 0 0 77 6 3 4 0 0 0 0\n');
  assert.deepEqual(glued[0], {
    iface: 'eth1', rxBytes: 123456789012, rxPackets: 5, rxErrs: 1, rxDrop: 2,
    txBytes: 77, txPackets: 6, txErrs: 3, txDrop: 4,
  });
});

test('parseSnmp pairs header and value lines per protocol', () => {
  const snmp = parseSnmp(readFixture('host/t0/proc/net/snmp'));
  assert.equal(snmp.get('Tcp')?.get('CurrEstab'), 6);
  assert.equal(snmp.get('Tcp')?.get('MaxConn'), -1);
  assert.equal(snmp.get('Tcp')?.get('ActiveOpens'), 103);
  assert.equal(snmp.get('Udp')?.get('InDatagrams') !== undefined, true);
});

test('NetworkSource: exact per-interface and TCP rates; a reset interface is skipped for one tick', (t) => {
  const tree = stageTree(fixture('host/t0'));
  t.after(tree.cleanup);
  const clock = { t: T0 };
  const src = new NetworkSource(testContext(`${tree.dir}/proc`, '/nonexistent', clock));
  t.after(() => src.close());
  const first = new RecordingOutput();
  src.collect(first);
  assert.deepEqual(Object.fromEntries(first.samples), { 'net.tcp.curr_estab': 6 });

  overlayTree(tree.dir, fixture('host/t1'));
  clock.t += 1000;
  const out = new RecordingOutput();
  src.collect(out);
  assert.equal(out.value('net.rx_bps', { if: 'lo' }), 44608897 - 36594421);
  assert.equal(out.value('net.tx_pps', { if: 'lo' }), 2080 - 1713);
  assert.equal(out.value('net.rx_bps', { if: 'eth0' }), 0);
  assert.equal(out.value('net.rx_errs_ps', { if: 'eth0' }), 0);
  assert.equal(out.value('net.tx_drop_ps', { if: 'ifb1' }), 0);
  assert.equal(out.value('net.tcp.active_opens_ps'), 0);
  assert.equal(out.value('net.tcp.passive_opens_ps'), 0);
  assert.equal(out.value('net.tcp.retrans_segs_ps'), 0);
  assert.equal(out.value('net.tcp.in_errs_ps'), 0);

  overlayTree(tree.dir, fixture('reset'));
  clock.t += 2000;
  const reset = new RecordingOutput();
  src.collect(reset);
  assert.equal(reset.value('net.rx_bps', { if: 'eth0' }), undefined, 'eth0 counters went backwards');
  assert.equal(reset.value('net.rx_bps', { if: 'lo' }), 50000, '100 000 bytes over 2 s');
});
