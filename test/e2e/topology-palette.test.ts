/**
 * The topology and the command palette in a real browser against a real console and collector: a TCP
 * connection between two processes we start shows as an edge client → server:port, and Ctrl+K jumps to
 * this host by part of its hostname.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { topologyIds } from '@cerebro/shared/topology/topology';
import { ROOT, createTokenFile, freePort, localHostId, startCollector, startConsole, tempDir, waitFor, type RunningConsole } from '../helpers/cerebro';
import '../helpers/page-globals';
import { browserSkipReason, isLoopbackUrl, launchBrowser, rendererBuilt, screenshot } from '../helpers/browser';

const skip = browserSkipReason() ?? false;

function ensureRenderer(): void {
  if (rendererBuilt()) return;
  const r = spawnSync(process.execPath, [path.join(ROOT, 'scripts/build.mjs')], { stdio: 'inherit' });
  if (r.status !== 0) throw new Error('build failed');
}

/** A node process run from a script, killed when the test ends; resolves once it printed `ready`. */
async function nodeProcess(t: TestContext, script: string, args: string[]): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['-e', script, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  t.after(() => child.kill('SIGKILL'));
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  await waitFor('the process to be ready', () => {
    if (child.exitCode !== null) throw new Error(`exited with ${child.exitCode}`);
    return out.includes('ready');
  }, 10_000, 50);
  return child;
}

/** A console, and a collector for this host that scans sockets every tick (500 ms) instead of every 10 s. */
async function consoleWithFastSockets(t: TestContext): Promise<RunningConsole> {
  const home = tempDir(t);
  const con = await startConsole(t, home);
  const tokenFile = createTokenFile(home, home);
  const configFile = path.join(home, 'collector.json');
  fs.writeFileSync(configFile, JSON.stringify({ sources: { sockets: { intervalTicks: 1 } } }));
  await startCollector(t, { ingestUrl: con.info.ingestUrl, tokenFile, stateDir: path.join(home, 'collector'), intervalMs: 500, args: ['--config', configFile] });
  const hostId = localHostId();
  await waitFor('the host in the API', async () => (await con.api('hosts')).some((h) => h.id === hostId), 15_000);
  return con;
}

test('the topology draws an edge for a TCP connection between two local processes', { skip, timeout: 120_000 }, async (t) => {
  ensureRenderer();
  const con = await consoleWithFastSockets(t);
  const hostId = localHostId();
  const port = await freePort();
  const server = await nodeProcess(t, "const s=require('net').createServer(c=>c.on('error',()=>{}));s.listen(Number(process.argv[1]),'127.0.0.1',()=>console.log('ready'))", [String(port)]);
  // A separate process that connects and stays connected until killed.
  const client = await nodeProcess(t, "const c=require('net').connect(Number(process.argv[1]),'127.0.0.1',()=>console.log('ready'));c.on('error',()=>{});setInterval(()=>{},1000)", [String(port)]);
  const from = topologyIds.process(hostId, client.pid as number);
  const to = topologyIds.process(hostId, server.pid as number);
  const hasEdge = (edges: ReadonlyArray<{ from: string; to: string; port: number | null; kind: string }>): boolean => edges.some((e) => e.kind === 'connects' && e.from === from && e.to === to && e.port === port);

  // The API first: a failure here is the core's, not the page's.
  await waitFor(`the edge ${from} → ${to}:${port} in GET /topology`, async () => hasEdge((await con.api('topology')).edges), 20_000, 250);

  const { page, requests } = await launchBrowser(t);
  await page.goto(con.info.uiUrl);
  await page.getByRole('link', { name: 'Topology' }).click();
  const canvas = page.getByTestId('topology-canvas');
  await canvas.waitFor({ timeout: 15_000 });
  await waitFor('the edge on the drawn graph', async () => page.evaluate(({ from, to, port }) => window.__cerebroTopology?.edges.some((e) => e.kind === 'connects' && e.from === from && e.to === to && e.port === port) ?? false, { from, to, port }), 20_000, 250);
  const drawn = await page.evaluate((ids) => window.__cerebroTopology?.nodes.filter((n) => ids.includes(n.id)).map((n) => ({ id: n.id, ports: n.ports, kind: n.kind })), [from, to]);
  assert.deepEqual(drawn?.find((n) => n.id === to)?.ports, [port], 'the server node lists the port it listens on');
  assert.equal(drawn?.find((n) => n.id === from)?.kind, 'process');
  await waitFor('the layout to settle', async () => (await canvas.getAttribute('data-settled')) === 'true', 20_000, 200);
  assert.ok(Number(await canvas.getAttribute('data-edges')) >= 1);
  await screenshot(page, 'topology');

  // Hovering the host node shows its tooltip; a click opens its host view.
  const box = await canvas.boundingBox();
  const at = await page.evaluate((id) => window.__cerebroTopology?.screenPosition(id) ?? null, topologyIds.host(hostId));
  assert.ok(box && at, 'the host node has a position on the canvas');
  await page.mouse.move(box.x + at.x, box.y + at.y);
  const tooltip = page.getByRole('tooltip');
  await tooltip.waitFor({ timeout: 5_000 });
  const hostname = (await con.api('host', hostId)).hostname;
  assert.ok((await tooltip.innerText()).includes(hostname), 'the tooltip names the host');
  await screenshot(page, 'topology-hover');
  await page.mouse.click(box.x + at.x, box.y + at.y);
  await waitFor('the host view', async () => page.url().endsWith(`#/host/${encodeURIComponent(hostId)}`), 5_000);
  assert.deepEqual(requests.filter((u) => !isLoopbackUrl(u)), []);
});

test('the command palette jumps to this host by part of its hostname', { skip, timeout: 90_000 }, async (t) => {
  ensureRenderer();
  const con = await consoleWithFastSockets(t);
  const hostId = localHostId();
  const host = await con.api('host', hostId);
  const { page } = await launchBrowser(t);
  await page.goto(con.info.uiUrl);
  await page.locator(`[data-testid="fleet-row"][data-host-id="${hostId}"]`).waitFor({ timeout: 15_000 });
  await page.keyboard.press('Control+K');
  const palette = page.getByTestId('command-palette');
  await palette.waitFor({ timeout: 5_000 });
  // Part of the hostname, from its middle, so the fuzzy match (not a prefix) has to find it.
  const part = host.hostname.length > 4 ? host.hostname.slice(1, -1) : host.hostname;
  await page.keyboard.type(part);
  await waitFor('this host first in the list', async () => (await palette.getByTestId('palette-item').first().innerText()).includes(host.hostname), 5_000);
  await screenshot(page, 'palette');
  // Tab must not leave the dialog (focus trap).
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement?.closest('[data-testid="command-palette"]') !== null), true);
  await page.keyboard.press('Enter');
  await waitFor('the host view', async () => page.url().endsWith(`#/host/${encodeURIComponent(hostId)}`), 5_000);
  await page.getByTestId('chart-cpu').waitFor({ timeout: 15_000 });
  assert.equal(await palette.count(), 0, 'the palette closed');
  // Esc closes it without navigating.
  await page.keyboard.press('Control+K');
  await palette.waitFor({ timeout: 5_000 });
  await page.keyboard.press('Escape');
  await waitFor('the palette to close', async () => (await palette.count()) === 0, 5_000);
  assert.ok(page.url().endsWith(`#/host/${encodeURIComponent(hostId)}`));
});

test('the services view remembers a connection after its server died (the knowledge graph)', { skip, timeout: 120_000 }, async (t) => {
  ensureRenderer();
  const con = await consoleWithFastSockets(t);
  const hostId = localHostId();
  const port = await freePort();
  // Named like services (a symlink to node: the process table names it by the link), so client and server are two services.
  const bin = tempDir(t);
  for (const name of ['cerebro-kgsrv', 'cerebro-kgcli']) fs.symlinkSync(process.execPath, path.join(bin, name));
  const named = async (name: string, script: string): Promise<ChildProcess> => {
    const child = spawn(path.join(bin, name), ['-e', script, String(port)], { stdio: ['ignore', 'pipe', 'inherit'] });
    t.after(() => child.kill('SIGKILL'));
    let out = '';
    child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    await waitFor(`${name} to be ready`, () => out.includes('ready'), 10_000, 50);
    return child;
  };
  const server = await named('cerebro-kgsrv', "const s=require('net').createServer(c=>c.on('error',()=>{}));s.listen(Number(process.argv[1]),'127.0.0.1',()=>console.log('ready'))");
  await named('cerebro-kgcli', "const c=require('net').connect(Number(process.argv[1]),'127.0.0.1',()=>console.log('ready'));c.on('error',()=>{});setInterval(()=>{},1000)");
  const edgeId = `svc:${hostId}:cerebro-kgcli>svc:${hostId}:cerebro-kgsrv:${port}`;
  const edge = async () => (await con.api('graph')).edges.find((e) => e.id === edgeId);
  await waitFor(`the edge ${edgeId} in GET /graph`, async () => (await edge()) !== undefined, 30_000, 250);
  const srv = (await con.api('graph')).services.find((s) => s.id === `svc:${hostId}:cerebro-kgsrv`);
  assert.deepEqual(srv?.ports, [port], 'the server service lists its port');

  // The server dies: the live topology forgets the connection, the graph keeps it (its lastSeenMs stops).
  server.kill('SIGKILL');
  await waitFor('the server gone from GET /topology', async () => !(await con.api('topology')).nodes.some((n) => n.pid === server.pid), 20_000, 250);
  const remembered = await edge();
  assert.ok(remembered !== undefined, 'the edge is still in the graph');
  await new Promise((r) => setTimeout(r, 6_000));
  assert.equal((await edge())?.lastSeenMs, remembered.lastSeenMs, 'not seen again');

  const { page } = await launchBrowser(t);
  await page.goto(con.info.uiUrl);
  await page.getByRole('link', { name: 'Topology' }).click();
  await page.getByTestId('topology-canvas').waitFor({ timeout: 15_000 });
  await page.getByTestId('topology-mode-services').click();
  await waitFor('the remembered edge on the drawn graph', async () => page.evaluate((id) => window.__cerebroTopology?.edges.some((e) => e.kind === 'connects' && `${e.from}>${e.to}:${e.port}` === id) ?? false, edgeId), 20_000, 250);
  await screenshot(page, 'topology-services');
});
