/**
 * The preload of the app window. It runs sandboxed (no Node), so it is bundled to one CommonJS file whose
 * only import is Electron's renderer module (which a sandboxed preload's require() provides), and it exposes nothing but the typed API of api.ts.
 */
import { contextBridge, ipcRenderer } from 'electron/renderer';
import { createApi } from './api';

contextBridge.exposeInMainWorld('cerebro', createApi(ipcRenderer));
