/**
 * The API the preload exposes as `window.cerebro`: a few typed functions over allow-listed channels,
 * never `ipcRenderer` itself (a page holding it could send on any channel). Built over `PreloadIpc`, the
 * slice of ipcRenderer it needs, so this module imports nothing from Electron: the renderer can import its
 * type, and the contract test can build it over a fake.
 */
import { IPC_CHANNELS, type IpcRequest, type IpcResponse, type IpcResult, type LiveConnection, type PushChannel, type PushPayloads, type TerminalIpcEvent, type TerminalIpcInput } from '@cerebro/shared/api/ipc';
import type { LiveEvent, LiveRequest, RouteName } from '@cerebro/shared/api/contract';

/** What the preload uses of ipcRenderer (structurally satisfied by Electron's). */
export interface PreloadIpc {
  invoke(channel: string, ...args: unknown[]): Promise<unknown>;
  send(channel: string, ...args: unknown[]): void;
  on(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
  removeListener(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
}

export function createApi(ipc: PreloadIpc) {
  /** Listen on one push channel; the page gets the payload only, never Electron's event (it holds `sender`). */
  function listen<C extends PushChannel>(channel: C, callback: (payload: PushPayloads[C]) => void): () => void {
    const listener = (_event: unknown, payload: unknown): void => callback(payload as PushPayloads[C]);
    ipc.on(channel, listener);
    return () => {
      ipc.removeListener(channel, listener);
    };
  }

  return {
    /** A route of the local API (contract.ts), answered by main with the core's response or an error. */
    request<N extends RouteName>(name: N, params: Omit<IpcRequest, 'name'> = {}): Promise<IpcResponse<N>> {
      return ipc.invoke(IPC_CHANNELS.request, { name, ...params }) as Promise<IpcResponse<N>>;
    },
    live: {
      /** Open (or join) the live channel; answers its current state. */
      open(): Promise<LiveConnection> {
        return ipc.invoke(IPC_CHANNELS.liveOpen) as Promise<LiveConnection>;
      },
      send(request: LiveRequest): void {
        ipc.send(IPC_CHANNELS.liveSend, request);
      },
      onEvent(callback: (event: LiveEvent) => void): () => void {
        return listen(IPC_CHANNELS.liveEvent, callback);
      },
      onState(callback: (state: LiveConnection) => void): () => void {
        return listen(IPC_CHANNELS.liveState, callback);
      },
    },
    terminal: {
      /** Connect a terminal session (opened with the openTerminal route) to this window. */
      open(sid: string): Promise<IpcResult<null>> {
        return ipc.invoke(IPC_CHANNELS.terminalOpen, sid) as Promise<IpcResult<null>>;
      },
      send(input: TerminalIpcInput): void {
        ipc.send(IPC_CHANNELS.terminalSend, input);
      },
      onEvent(callback: (event: TerminalIpcEvent) => void): () => void {
        return listen(IPC_CHANNELS.terminalEvent, callback);
      },
    },
  };
}

/** `window.cerebro` in the desktop app (absent in browser mode). */
export type CerebroApi = ReturnType<typeof createApi>;
