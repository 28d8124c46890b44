/**
 * The API the preload exposes as `window.cerebro`: a few typed functions over allow-listed channels,
 * never `ipcRenderer` itself (a page holding it could send on any channel). Built over `PreloadIpc`, the
 * slice of ipcRenderer it needs, so this module imports nothing from Electron: the renderer can import its
 * type, and the contract test can build it over a fake.
 */
import { type IpcRequest, type IpcResponse, type LiveConnection } from '@cerebro/shared/api/ipc';
import type { LiveEvent, LiveRequest, RouteName } from '@cerebro/shared/api/contract';
/** What the preload uses of ipcRenderer (structurally satisfied by Electron's). */
export interface PreloadIpc {
    invoke(channel: string, ...args: unknown[]): Promise<unknown>;
    send(channel: string, ...args: unknown[]): void;
    on(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
    removeListener(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
}
export declare function createApi(ipc: PreloadIpc): {
    /** A route of the local API (contract.ts), answered by main with the core's response or an error. */
    request<N extends RouteName>(name: N, params?: Omit<IpcRequest, "name">): Promise<IpcResponse<N>>;
    live: {
        /** Open (or join) the live channel; answers its current state. */
        open(): Promise<LiveConnection>;
        send(request: LiveRequest): void;
        onEvent(callback: (event: LiveEvent) => void): () => void;
        onState(callback: (state: LiveConnection) => void): () => void;
    };
};
/** `window.cerebro` in the desktop app (absent in browser mode). */
export type CerebroApi = ReturnType<typeof createApi>;
