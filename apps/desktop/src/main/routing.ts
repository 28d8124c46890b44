/**
 * Routing of renderer IPC in main, kept free of Electron so it can be tested with fake events: every
 * message is checked against the allow-list and its sender frame before a handler sees it, and every
 * argument is validated (parse functions of shared/api/ipc.ts) at this trust boundary.
 */
import { INVOKE_CHANNELS, IPC_CHANNELS, SEND_CHANNELS, parseIpcRequest, parseLiveRequest, parseTerminalInput, parseTerminalSid, type InvokeChannel, type IpcRequest, type IpcResult, type LiveConnection, type SendChannel, type TerminalIpcInput } from '@cerebro/shared/api/ipc';
import type { LiveRequest } from '@cerebro/shared/api/contract';
import { APP_HOST, APP_SCHEME } from './window-options';

/** The parts of Electron's IpcMainEvent / IpcMainInvokeEvent that routing reads. */
export interface SenderEvent {
  /** The frame that sent the message; null once it navigated away or was destroyed. */
  readonly senderFrame: { readonly url: string; readonly parent: unknown } | null;
  /** Electron's webContents id: one live channel per window. */
  readonly sender: { readonly id: number };
}

/** What main does with a valid message from a trusted sender. */
export interface Handlers {
  request(req: IpcRequest): Promise<IpcResult<unknown>>;
  liveOpen(senderId: number): LiveConnection;
  liveSend(senderId: number, req: LiveRequest): void;
  /** Connect the byte socket of terminal session `sid` for this window. */
  terminalOpen(senderId: number, sid: string): Promise<IpcResult<null>>;
  terminalSend(senderId: number, input: TerminalIpcInput): void;
}

/** Only the app's own top-level page may talk to main: not an iframe, not a page navigated elsewhere. */
export function trustedSender(event: SenderEvent): boolean {
  const frame = event.senderFrame;
  if (!frame || frame.parent) return false;
  try {
    const u = new URL(frame.url);
    return u.protocol === `${APP_SCHEME}:` && u.host === APP_HOST;
  } catch {
    return false;
  }
}

const refused = (event: SenderEvent, channel: string) =>
  ({ ok: false, error: { code: 'FORBIDDEN_SENDER', message: `${channel} refused: the sender frame (${event.senderFrame?.url ?? 'gone'}) is not the app window` } }) as const;

/** An invoke (ipcMain.handle): answers a value; never throws across the process boundary. */
export async function routeInvoke(channel: string, event: SenderEvent, args: readonly unknown[], handlers: Handlers): Promise<unknown> {
  if (!(INVOKE_CHANNELS as readonly string[]).includes(channel)) return { ok: false, error: { code: 'BAD_MESSAGE', message: `unknown channel ${channel}` } };
  if (!trustedSender(event)) return refused(event, channel);
  switch (channel as InvokeChannel) {
    case IPC_CHANNELS.request: {
      const parsed = parseIpcRequest(args[0]);
      return parsed.ok ? handlers.request(parsed.value) : parsed;
    }
    case IPC_CHANNELS.liveOpen:
      return handlers.liveOpen(event.sender.id);
    case IPC_CHANNELS.terminalOpen: {
      const sid = parseTerminalSid(args[0]);
      return sid.ok ? handlers.terminalOpen(event.sender.id, sid.value) : sid;
    }
  }
}

/** A one-way message (ipcMain.on): handled, or dropped with the reason returned for the log. */
export function routeSend(channel: string, event: SenderEvent, args: readonly unknown[], handlers: Handlers): string | null {
  if (!(SEND_CHANNELS as readonly string[]).includes(channel)) return `unknown channel ${channel}`;
  if (!trustedSender(event)) return refused(event, channel).error.message;
  switch (channel as SendChannel) {
    case IPC_CHANNELS.liveSend: {
      const parsed = parseLiveRequest(args[0]);
      if (!parsed.ok) return parsed.error.message;
      handlers.liveSend(event.sender.id, parsed.value);
      return null;
    }
    case IPC_CHANNELS.terminalSend: {
      const parsed = parseTerminalInput(args[0]);
      if (!parsed.ok) return parsed.error.message;
      handlers.terminalSend(event.sender.id, parsed.value);
      return null;
    }
  }
}

/** The parts of Electron's ipcMain that registration uses. */
export interface IpcMainLike {
  handle(channel: string, listener: (event: SenderEvent, ...args: unknown[]) => unknown): void;
  on(channel: string, listener: (event: SenderEvent, ...args: unknown[]) => void): void;
}

/** Handle exactly the allow-listed channels, each through the sender check and validation above. */
export function registerIpc(ipcMain: IpcMainLike, handlers: Handlers, log: (message: string) => void): void {
  for (const channel of INVOKE_CHANNELS) ipcMain.handle(channel, (event, ...args) => routeInvoke(channel, event, args, handlers));
  for (const channel of SEND_CHANNELS) {
    ipcMain.on(channel, (event, ...args) => {
      const dropped = routeSend(channel, event, args, handlers);
      if (dropped) log(`ipc ${channel} dropped: ${dropped}`);
    });
  }
}
