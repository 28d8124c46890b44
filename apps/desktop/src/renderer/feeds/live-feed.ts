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
