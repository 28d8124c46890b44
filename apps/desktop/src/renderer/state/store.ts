/**
 * The one module that imports the state library: the store, the dispatcher that applies named actions
 * (state/actions.ts), and the selector hook the views read with.
 */
import { create } from 'zustand';
import { useShallow } from 'zustand/react/shallow';
import { initialState, type Action, type AppState } from './types';

const useAppStore = create<AppState>()(() => initialState());

/** Apply a named action. */
export function dispatch<P>(action: Action<P>, payload: P): void {
  useAppStore.setState((s) => action(s, payload));
}

/** Read a slice; objects and arrays are compared shallowly so a view re-renders only when its slice changes. */
export function useApp<T>(selector: (s: AppState) => T): T {
  return useAppStore(useShallow(selector));
}

/** The current state outside React (effects deciding what to fetch). */
export function currentState(): AppState {
  return useAppStore.getState();
}
