/**
 * The renderer's entry: in the desktop app (the preload exposed `window.cerebro`) the transport is IPC to
 * Electron's main process; in a browser it is the core's local API, with the session token from the URL.
 */
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { BrowserTransport } from './transport/browser-transport';
import { TransportProvider } from './transport/context';
import { IpcTransport } from './transport/ipc';
import { takeSessionToken } from './transport/token';
import type { Transport } from './transport/transport';
import './styles.css';

function chooseTransport(): { transport: Transport; hasToken: boolean } {
  // The desktop app needs no token in the page: main holds it and proxies every request.
  if (window.cerebro) return { transport: new IpcTransport(window.cerebro), hasToken: true };
  const token = takeSessionToken();
  return { transport: new BrowserTransport(window.location.origin, token), hasToken: token !== null };
}

const { transport, hasToken } = chooseTransport();
window.addEventListener('pagehide', () => transport.close());

createRoot(document.getElementById('root') as HTMLElement).render(
  <StrictMode>
    <TransportProvider transport={transport}>
      <App hasToken={hasToken} />
    </TransportProvider>
  </StrictMode>,
);
