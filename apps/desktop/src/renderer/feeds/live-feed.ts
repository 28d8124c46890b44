/**
 * The pattern of every always-on feed: subscribe to a live topic first, then load the current state, and
 * load it again after each reconnect, since changes made while the channel was down never arrive. No
 * polling. Returns the cleanup for a React effect.
 */
import type { LiveMessage, LiveTopic, Transport } from '../transport/transport';

export function subscribeAndLoad(transport: Transport, topic: LiveTopic, onEvent: (e: LiveMessage) => void, load: (alive: () => boolean) => void): () => void {
  let alive = true;
  const isAlive = (): boolean => alive;
  const off = transport.subscribe(topic, onEvent);
  let wasOpen = false;
  const offConn = transport.onConnection((info) => {
    if (info.state === 'open' && !wasOpen) load(isAlive);
    wasOpen = info.state === 'open';
  });
  return () => {
    alive = false;
    off();
    offConn();
  };
}

/**
 * For views whose data has no topic of its own: `refresh` (throttled by the caller) runs after each
 * reconnect, and when a host reports (`hostId`, or any host when undefined) while `wanted()` says a
 * re-read is due. Returns the cleanup; the caller cancels its throttle.
 */
export function refreshOnHostReports(transport: Transport, hostId: string | undefined, refresh: () => void, wanted: () => boolean): () => void {
  const offHosts = transport.subscribe({ topic: 'hosts' }, (e) => {
    if (e.type === 'host' && (hostId === undefined || e.host.id === hostId) && wanted()) refresh();
  });
  const offConn = transport.onConnection((info) => {
    if (info.state === 'open') refresh();
  });
  return () => {
    offHosts();
    offConn();
  };
}
