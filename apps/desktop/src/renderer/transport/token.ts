/**
 * The session token: it arrives once in the URL fragment (`#token=…`, which browsers never send to the
 * server), is kept in sessionStorage for this tab's reloads, and is removed from the address bar at once
 * so it does not linger in history or screenshots.
 */
const STORAGE_KEY = 'cerebro.token';

/** Parse `#token=…` (possibly among other `&`-separated fragment parameters); null when absent. */
export function tokenFromFragment(hash: string): string | null {
  const body = hash.startsWith('#') ? hash.slice(1) : hash;
  for (const part of body.split('&')) {
    if (part.startsWith('token=')) {
      const value = decodeURIComponent(part.slice('token='.length));
      return value.length > 0 ? value : null;
    }
  }
  return null;
}

/** Take the token from the fragment (then clear it) or from sessionStorage. */
export function takeSessionToken(win: Window = window): string | null {
  const fromHash = tokenFromFragment(win.location.hash);
  if (fromHash !== null) {
    win.sessionStorage.setItem(STORAGE_KEY, fromHash);
    win.history.replaceState(null, '', `${win.location.pathname}${win.location.search}#/fleet`);
    return fromHash;
  }
  return win.sessionStorage.getItem(STORAGE_KEY);
}
