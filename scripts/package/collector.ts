/**
 * `npm run package:collector`: the collector for hosts without Node, offline.
 *  - dist/packages/cerebro-collector: a single executable (Node's single-executable applications: this
 *    node binary with the collector bundled as one CommonJS file injected with postject);
 *  - dist/packages/cerebro-collector_VERSION_ARCH.deb: that executable as /usr/bin/cerebro-collector, a
 *    hardened systemd unit started by a path unit once the host is enrolled, a system user, a default
 *    configuration (a conffile), and the native pty module terminals need;
 *  - dist/packages/cerebro-collector-VERSION-linux-ARCH.tar.gz: the same files with an install.sh for
 *    hosts without dpkg (no network either);
 *  - dist/packages/SHA256SUMS.
 * Flags: --out DIR (default dist/packages), --fast (gzip -1 instead of xz: for tests; the files are larger).
 * The ESM bundle `npm run build` makes (apps/collector/dist) is left as it is.
 */
import { build, type Plugin } from 'esbuild';
import { spawnSync, type SpawnSyncOptions } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const HERE = path.join(ROOT, 'scripts/package/collector');
/** The fuse Node's single-executable support looks for (Node 20 docs, "Single executable applications"). */
const SEA_FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';
const DEB_ARCH: Record<string, string> = { x64: 'amd64', arm64: 'arm64' };

class PackageError extends Error {
  override readonly name = 'PackageError';
}

function log(message: string): void {
  process.stderr.write(`[package:collector] ${message}\n`);
}

/** Run a command; throw with its output when it fails. */
function sh(cmd: string, args: string[], options: SpawnSyncOptions = {}): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, ...options });
  if (r.error) throw new PackageError(`${cmd} could not run: ${r.error.message}`);
  if (r.status !== 0) throw new PackageError(`${cmd} ${args.join(' ')} failed (exit ${r.status ?? r.signal}):\n${String(r.stdout)}${String(r.stderr)}`);
  return String(r.stdout);
}

/**
 * Optional modules the bundle must not try to load from disk, each replaced by a module that throws (the
 * code around each require() catches that and takes its JavaScript path): msgpackr-extract (as in
 * scripts/build.mjs: it only speeds up decoding and costs ~6 MB RSS), ws's accelerators bufferutil and
 * utf-8-validate, systeminformation's macOS-only sensor. Left external, they would reach the executable's
 * require(), which loads built-in modules only and prints a warning at every start when asked for more.
 */
const OPTIONAL_NATIVE = ['msgpackr-extract', 'bufferutil', 'utf-8-validate', 'osx-temperature-sensor'];
const noOptionalNative: Plugin = {
  name: 'no-optional-native',
  setup(b) {
    const filter = new RegExp(`^(${OPTIONAL_NATIVE.join('|')})$`);
    b.onResolve({ filter }, (args) => ({ path: args.path, namespace: 'absent' }));
    b.onLoad({ filter: /.*/, namespace: 'absent' }, (args) => ({ contents: `throw new Error('${args.path} is not part of the collector executable');`, loader: 'js' }));
  },
};

/** `@lydell/node-pty` → the loader that finds the native module beside the executable (node-pty-beside.ts). */
const nodePtyBeside: Plugin = {
  name: 'node-pty-beside',
  setup(b) {
    b.onResolve({ filter: /^@lydell\/node-pty$/ }, () => ({ path: path.join(HERE, 'node-pty-beside.ts') }));
  },
};

/** The collector as one CommonJS file (a single executable's main script must be CommonJS in Node 20). */
async function bundleCjs(outfile: string): Promise<void> {
  const result = await build({
    entryPoints: [path.join(HERE, 'sea-entry.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    plugins: [noOptionalNative, nodePtyBeside],
    minify: true,
    legalComments: 'none',
    logLevel: 'error',
    metafile: false,
  });
  if (result.errors.length > 0) throw new PackageError(`esbuild failed: ${result.errors.map((e) => e.text).join('; ')}`);
}

/** Copy this node binary and inject the bundle: the single executable. */
function singleExecutable(bundle: string, work: string, out: string): void {
  const node = process.execPath;
  const binary = fs.readFileSync(node);
  if (!binary.includes(`${SEA_FUSE}:0`)) {
    throw new PackageError(`${node} has no unused single-executable fuse (${SEA_FUSE}:0): it is not a stock Node 20 binary, or is a single executable already`);
  }
  const config = path.join(work, 'sea-config.json');
  const blob = path.join(work, 'sea-prep.blob');
  // useCodeCache stays off: it would tie the blob to this exact V8 and the saving is a few ms at start.
  fs.writeFileSync(config, JSON.stringify({ main: bundle, output: blob, disableExperimentalSEAWarning: true }));
  sh(node, ['--experimental-sea-config', config], { cwd: work });
  fs.rmSync(out, { force: true });
  fs.writeFileSync(out, binary, { mode: 0o755 });
  const postject = path.join(path.dirname(createRequire(import.meta.url).resolve('postject/package.json')), 'dist/cli.js');
  sh(node, [postject, out, 'NODE_SEA_BLOB', blob, '--sentinel-fuse', SEA_FUSE]);
}

/** The collector's version as the executable reports it (AGENT_VERSION): the packages are named after it. */
function versionOf(sea: string): string {
  const version = sh(sea, ['--version'], { timeout: 30_000 }).trim();
  if (!/^\d+\.\d+\.\d+([-+~][0-9A-Za-z.+~-]+)?$/.test(version)) throw new PackageError(`the single executable does not run: --version printed "${version}"`);
  return version;
}

/** node_modules/@lydell/node-pty and its prebuilt binary for this platform, copied into `dest`/node_modules. */
function copyNodePty(dest: string): boolean {
  const require = createRequire(path.join(ROOT, 'package.json'));
  const platformPackage = `@lydell/node-pty-${process.platform}-${process.arch}`;
  let dirs: string[];
  try {
    dirs = [path.dirname(require.resolve('@lydell/node-pty/package.json')), path.dirname(require.resolve(`${platformPackage}/package.json`))];
  } catch {
    log(`@lydell/node-pty or ${platformPackage} is not installed: packaging without terminals`);
    return false;
  }
  for (const dir of dirs) {
    const name = path.relative(path.join(ROOT, 'node_modules'), dir);
    fs.cpSync(dir, path.join(dest, 'node_modules', name), { recursive: true, dereference: true });
  }
  return true;
}

/** Files and folders under `dir`, in KiB as dpkg's Installed-Size counts them. */
function installedKiB(dir: string): number {
  let bytes = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) bytes += fs.statSync(path.join(e.parentPath, e.name)).size;
  }
  return Math.ceil(bytes / 1024);
}

function writeFile(file: string, text: string, mode = 0o644): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text, { mode });
  fs.chmodSync(file, mode);
}

function copyFile(from: string, to: string, mode: number): void {
  fs.mkdirSync(path.dirname(to), { recursive: true });
  fs.copyFileSync(from, to);
  fs.chmodSync(to, mode);
}

function deb(sea: string, version: string, work: string, outDir: string, fast: boolean): string {
  const arch = DEB_ARCH[process.arch];
  if (!arch) throw new PackageError(`no Debian architecture for ${process.arch}`);
  const root = path.join(work, 'deb');
  fs.rmSync(root, { recursive: true, force: true });
  copyFile(sea, path.join(root, 'usr/bin/cerebro-collector'), 0o755);
  copyNodePty(path.join(root, 'usr/lib/cerebro-collector'));
  copyFile(path.join(HERE, 'cerebro-collector.service'), path.join(root, 'usr/lib/systemd/system/cerebro-collector.service'), 0o644);
  copyFile(path.join(HERE, 'cerebro-collector.path'), path.join(root, 'usr/lib/systemd/system/cerebro-collector.path'), 0o644);
  copyFile(path.join(HERE, 'collector.json'), path.join(root, 'etc/cerebro/collector.json'), 0o644);
  copyFile(path.join(HERE, 'README.offline.md'), path.join(root, 'usr/share/doc/cerebro-collector/README.md'), 0o644);
  writeFile(
    path.join(root, 'usr/share/doc/cerebro-collector/copyright'),
    'CEREBRO collector. The executable embeds Node.js (MIT licence, https://nodejs.org) and the npm packages it\nbundles (ws, msgpackr, systeminformation: MIT); @lydell/node-pty is MIT.\n',
  );
  for (const script of ['postinst', 'prerm', 'postrm']) copyFile(path.join(HERE, 'debian', script), path.join(root, 'DEBIAN', script), 0o755);
  writeFile(path.join(root, 'DEBIAN/conffiles'), '/etc/cerebro/collector.json\n');
  writeFile(
    path.join(root, 'DEBIAN/control'),
    [
      'Package: cerebro-collector',
      `Version: ${version}`,
      `Architecture: ${arch}`,
      'Maintainer: CEREBRO <cerebro@localhost>',
      'Section: admin',
      'Priority: optional',
      `Installed-Size: ${installedKiB(root)}`,
      // The embedded node binary's shared libraries (ldd): glibc 2.28+ and GCC's C++ runtime.
      'Depends: libc6 (>= 2.28), libstdc++6, libgcc-s1',
      'Description: CEREBRO collector: streams host telemetry to a CEREBRO console',
      ' One executable (Node.js embedded: the host needs no Node) that reads /proc, /sys, statfs, log files and',
      ' the journal, and streams them over TLS to a CEREBRO console. Enrol with',
      ' `cerebro-collector enroll wss://CONSOLE:7070/ingest TOKEN`; the service starts once enrolled.',
      '',
    ].join('\n'),
  );
  const file = path.join(outDir, `cerebro-collector_${version}_${arch}.deb`);
  sh('dpkg-deb', ['--root-owner-group', ...(fast ? ['-Zgzip', '-z1'] : ['-Zxz', '-z6']), '--build', root, file]);
  return file;
}

function tarball(sea: string, version: string, work: string, outDir: string, fast: boolean): string {
  const name = `cerebro-collector-${version}-linux-${process.arch}`;
  const top = path.join(work, 'tar', name);
  fs.rmSync(path.dirname(top), { recursive: true, force: true });
  copyFile(sea, path.join(top, 'bin/cerebro-collector'), 0o755);
  copyNodePty(path.join(top, 'lib/cerebro-collector'));
  copyFile(path.join(HERE, 'cerebro-collector.service'), path.join(top, 'systemd/cerebro-collector.service'), 0o644);
  copyFile(path.join(HERE, 'cerebro-collector.path'), path.join(top, 'systemd/cerebro-collector.path'), 0o644);
  copyFile(path.join(HERE, 'collector.json'), path.join(top, 'etc/collector.json'), 0o644);
  copyFile(path.join(HERE, 'install.sh'), path.join(top, 'install.sh'), 0o755);
  copyFile(path.join(HERE, 'README.offline.md'), path.join(top, 'README.md'), 0o644);
  const file = path.join(outDir, `${name}.tar.gz`);
  sh('tar', ['--owner=0', '--group=0', '--numeric-owner', '--sort=name', '-I', fast ? 'gzip -1' : 'gzip -6', '-cf', file, '-C', path.dirname(top), name]);
  return file;
}

function sha256(file: string): string {
  return crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { out: { type: 'string' }, fast: { type: 'boolean' } } });
  const outDir = path.resolve(values.out ?? path.join(ROOT, 'dist/packages'));
  const fast = values.fast ?? false;
  const work = path.join(outDir, '.work');
  fs.mkdirSync(work, { recursive: true });
  const t0 = performance.now();
  const bundle = path.join(work, 'cerebro-collector.cjs');
  await bundleCjs(bundle);
  const sea = path.join(outDir, 'cerebro-collector');
  singleExecutable(bundle, work, sea);
  const version = versionOf(sea);
  log(`single executable ${sea}: ${fs.statSync(sea).size} bytes (bundle ${fs.statSync(bundle).size} bytes) in ${Math.round(performance.now() - t0)} ms`);
  const debFile = deb(sea, version, work, outDir, fast);
  log(`${debFile}: ${fs.statSync(debFile).size} bytes`);
  const tarFile = tarball(sea, version, work, outDir, fast);
  log(`${tarFile}: ${fs.statSync(tarFile).size} bytes`);
  const files = [sea, debFile, tarFile];
  fs.writeFileSync(path.join(outDir, 'SHA256SUMS'), files.map((f) => `${sha256(f)}  ${path.basename(f)}\n`).join(''));
  fs.rmSync(work, { recursive: true, force: true });
  log(`done in ${Math.round(performance.now() - t0)} ms`);
}

main().catch((e: unknown) => {
  process.stderr.write(`[package:collector] ${e instanceof PackageError ? e.message : ((e as Error).stack ?? String(e))}\n`);
  process.exitCode = 1;
});
