// Types of electron-binary.mjs for the TypeScript tests that import it.
export declare const ELECTRON_HINT: string;
export type ElectronLookup = { readonly path: string } | { readonly path: null; readonly reason: string };
export declare function findElectron(env?: NodeJS.ProcessEnv, repoRoot?: string): ElectronLookup;
