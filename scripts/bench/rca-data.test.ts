import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { caseInput, dayCases, listDays, loadDay, podService } from './rca-data';
import { accuracy, runCases } from './rca-score';

const DATA = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../shared/data/rca-nezha');
const missing = !fs.existsSync(DATA) && 'no ../shared/data/rca-nezha here (the shared benchmark data is not checked out)';

test('podService drops the ReplicaSet hash and the pod suffix', () => {
  assert.equal(podService('frontend-579b9bff58-t2dbm'), 'frontend');
  assert.equal(podService('ts-order-service-5b67c48447-fj8b7'), 'ts-order-service');
  assert.throws(() => podService('redis-0'), /fewer than three "-" segments/);
});

test('Nezha days load: faults, services, call graph, and the shifted TimeStamp column repaired', { skip: missing }, () => {
  assert.deepEqual(listDays(DATA), ['2022-08-22', '2022-08-23']);
  const d = loadDay(DATA, '2022-08-22');
  assert.equal(d.faults.length, 24);
  assert.equal(d.services.length, 10);
  assert.ok(d.edges.some((e) => e.from === 'frontend' && e.to === 'checkoutservice'));
  assert.ok(d.edges.every((e) => d.services.includes(e.from) && d.services.includes(e.to)));
  // adservice's TimeStamp column is 2e8 s off on this day; every row is re-timed from the Time text.
  assert.equal(d.notes.repairedTimestamps, 1209);
  const ad = d.series.find((s) => s.entity === 'adservice')!;
  assert.ok(ad.t[0]! < Date.UTC(2022, 7, 23) && ad.t[0]! > Date.UTC(2022, 7, 22));
  assert.ok(d.series.some((s) => s.peer === 'frontend' && s.entity === 'cartservice'));
});

test('each case sees 10 min before the injection to 5 min after, never past the next one', { skip: missing }, () => {
  const d = loadDay(DATA, '2022-08-23');
  for (let i = 0; i < d.faults.length; i++) {
    const input = caseInput(d, i);
    const at = d.faults[i]!.at;
    const end = Math.min(at + 5 * 60_000, d.faults[i + 1]?.at ?? Infinity);
    for (const s of input.series) for (const t of s.t) assert.ok(t >= at - 10 * 60_000 && t <= end && (end === at + 5 * 60_000 || t < end));
    assert.equal(input.anomalyAt, at);
  }
});

test('ranker on real faults: sane ranked output, CPU faults found in the top 3', { skip: missing }, () => {
  const d = loadDay(DATA, '2022-08-22');
  const cases = dayCases(d).filter((c) => c.fault.type === 'cpu_contention');
  assert.ok(cases.length >= 8);
  const out = runCases(cases);
  for (const o of out) {
    const ids = o.top.map((c) => c.entity);
    assert.equal(new Set(ids).size, ids.length);
    for (let i = 1; i < o.top.length; i++) assert.ok(o.top[i - 1]!.score >= o.top[i]!.score);
    assert.ok(o.rank !== null && o.rank <= 3, `${o.c.fault.service} ${o.c.fault.type} ranked ${o.rank}`);
    const first = o.top[0]!;
    assert.ok(first.explanation.startsWith(`${first.entity}: `));
    assert.ok(first.evidence.length > 0 && first.explanation.includes(first.evidence[0]!.metric));
  }
  assert.ok(accuracy(out).ac1 >= 0.75);
});

test('bad data gets an error naming the file, line and column', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rca-data-'));
  try {
    const day = path.join(dir, '2020-01-01');
    fs.mkdirSync(path.join(day, 'metric'), { recursive: true });
    fs.writeFileSync(path.join(day, '2020-01-01-fault_list.json'), JSON.stringify({ '00': [{ inject_timestamp: '1577836800', inject_pod: 'a-b-c', inject_type: 'cpu' }] }));
    fs.writeFileSync(path.join(day, 'metric', 'a-b-c_metric.csv'), 'Time,TimeStamp,PodName,CpuUsage(m)\n2020-01-01 00:00:00.1 +0000 UTC,1577836800,a-b-c,oops\n');
    assert.throws(() => loadDay(dir, '2020-01-01'), /a-b-c_metric\.csv:2 column CpuUsage\(m\): "oops" is not a number/);
    fs.writeFileSync(path.join(day, '2020-01-01-fault_list.json'), '{not json');
    assert.throws(() => loadDay(dir, '2020-01-01'), /fault_list\.json: not readable JSON/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
