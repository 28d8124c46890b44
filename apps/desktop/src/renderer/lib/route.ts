/** Hash routes (#/fleet, #/topology, #/host/ID): they work however the files are served, and need no server routing. */
import type { Route } from '../state/types';

export function parseRoute(hash: string): Route {
  const m = /^#\/host\/(.+)$/.exec(hash);
  if (m) return { name: 'host', hostId: decodeURIComponent(m[1] as string) };
  if (hash === '#/topology') return { name: 'topology' };
  return { name: 'fleet' };
}

/** The hash of a route, for links and for jumping (the palette). */
export function routeHash(route: Route): string {
  switch (route.name) {
    case 'fleet':
      return '#/fleet';
    case 'topology':
      return '#/topology';
    case 'host':
      return `#/host/${encodeURIComponent(route.hostId)}`;
  }
}
