/**
 * Serves the built renderer at cerebro://app/ with the desktop CSP on every response. A custom scheme
 * (not file://) gives the page a real origin for the CSP's 'self', keeps it away from the rest of the
 * disk, and lets main tell the app's frames from anything else by URL.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { STATIC_CONTENT_TYPES as TYPES } from '../core/api/static';
import { APP_HOST, DESKTOP_CSP } from './window-options';


const HEADERS = { 'content-security-policy': DESKTOP_CSP, 'x-content-type-options': 'nosniff', 'referrer-policy': 'no-referrer' } as const;

/** The file under `root` that `url` names, or null (other host, outside the folder, malformed). */
export function appFile(root: string, url: string): string | null {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return null;
  }
  if (u.host !== APP_HOST) return null;
  let rel: string;
  try {
    rel = u.pathname === '/' ? 'index.html' : decodeURIComponent(u.pathname).replace(/^\/+/, '');
  } catch {
    return null;
  }
  const file = path.resolve(root, rel);
  return file.startsWith(root + path.sep) && !rel.includes('\0') ? file : null;
}

/** The protocol handler's response for `request` (Electron's protocol.handle takes this function). */
export async function serveAppFile(root: string, request: Request): Promise<Response> {
  const file = appFile(root, request.url);
  if (file === null) return new Response('not found\n', { status: 404, headers: { ...HEADERS, 'content-type': 'text/plain; charset=utf-8' } });
  try {
    const body = await fs.readFile(file);
    return new Response(body, { status: 200, headers: { ...HEADERS, 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream' } });
  } catch {
    return new Response(`no file ${new URL(request.url).pathname} in the console UI: run npm run build\n`, { status: 404, headers: { ...HEADERS, 'content-type': 'text/plain; charset=utf-8' } });
  }
}
