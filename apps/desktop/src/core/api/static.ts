/**
 * Serves the built renderer (apps/desktop/dist/renderer) at `/` for browser mode. The files hold no
 * secret (the session token arrives in the URL fragment, which browsers never send), so they need no
 * token; every response carries a strict Content-Security-Policy so the page can reach nothing but this
 * console.
 */
import fs from 'node:fs';
import type http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const CONTENT_SECURITY_POLICY =
  "default-src 'self'; connect-src 'self' ws://127.0.0.1:* ws://localhost:*; img-src 'self' data:; object-src 'none'; style-src 'self' 'unsafe-inline'; script-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

const SECURITY_HEADERS = {
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
} as const;

/** Content types of the files the renderer build contains (also used by the desktop app's protocol). */
export const STATIC_CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json; charset=utf-8',
  '.woff2': 'font/woff2',
  '.map': 'application/json; charset=utf-8',
};

/**
 * Where the built renderer lies: $CEREBRO_RENDERER_DIR, else beside the console bundle
 * (apps/desktop/dist/cerebro-console.mjs → dist/renderer), else from the sources (src/core/api → dist/renderer).
 */
export function rendererCandidates(env: NodeJS.ProcessEnv = process.env): string[] {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const out = [path.join(here, 'renderer'), path.resolve(here, '../../../dist/renderer')];
  if (env['CEREBRO_RENDERER_DIR']) out.unshift(path.resolve(env['CEREBRO_RENDERER_DIR']));
  return out;
}

export class StaticFiles {
  private dir: string | null = null;

  constructor(private readonly candidates: readonly string[] = rendererCandidates()) {}

  /** Serve `pathname` (a GET outside the API prefix). */
  serve(pathname: string, res: http.ServerResponse): void {
    const dir = this.find();
    if (dir === null) {
      this.send(res, 404, 'text/html; charset=utf-8', notBuiltPage(this.candidates));
      return;
    }
    let rel: string;
    try {
      rel = pathname === '/' ? 'index.html' : decodeURIComponent(pathname).replace(/^\/+/, '');
    } catch {
      this.send(res, 404, 'text/plain; charset=utf-8', 'not found (malformed path)\n');
      return;
    }
    const file = path.resolve(dir, rel);
    // Only files inside the renderer folder: "/../" and absolute tricks end here.
    if (!file.startsWith(dir + path.sep) || rel.includes('\0')) {
      this.send(res, 404, 'text/plain; charset=utf-8', 'not found\n');
      return;
    }
    let body: Buffer;
    try {
      body = fs.readFileSync(file);
    } catch {
      this.send(res, 404, 'text/plain; charset=utf-8', `no file ${pathname} in the console UI\n`);
      return;
    }
    // Hashed assets never change; index.html must be re-read so a rebuild is picked up.
    const immutable = rel.startsWith('assets/');
    this.send(res, 200, STATIC_CONTENT_TYPES[path.extname(file)] ?? 'application/octet-stream', body, immutable ? 'public, max-age=31536000, immutable' : 'no-cache');
  }

  private find(): string | null {
    if (this.dir !== null) return this.dir;
    for (const c of this.candidates) {
      if (fs.existsSync(path.join(c, 'index.html'))) {
        this.dir = c;
        return c;
      }
    }
    return null;
  }

  private send(res: http.ServerResponse, status: number, type: string, body: string | Buffer, cache = 'no-store'): void {
    res.writeHead(status, { ...SECURITY_HEADERS, 'content-type': type, 'content-length': Buffer.byteLength(body), 'cache-control': cache });
    res.end(body);
  }
}

function notBuiltPage(candidates: readonly string[]): string {
  const where = candidates.map((c) => `<li><code>${escapeHtml(c)}</code></li>`).join('');
  return `<!doctype html><meta charset="utf-8"><title>CEREBRO: UI not built</title>
<body style="font-family:system-ui,sans-serif;background:#0f1218;color:#d8dee9;padding:3rem;line-height:1.5">
<h1>The console UI has not been built</h1>
<p>The API is running, but no built renderer was found. Build it from the repository, then reload this page:</p>
<pre style="background:#1a1f29;padding:1rem;border-radius:6px">npm run build</pre>
<p>Looked for <code>index.html</code> in:</p><ul>${where}</ul>
<p>Set <code>CEREBRO_RENDERER_DIR</code> to serve it from elsewhere.</p></body>`;
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c] as string);
}
