/**
 * Errors cross process boundaries as data, never as thrown exceptions (STYLE.md §5).
 * Inside one process, code may throw; at a trust or process boundary it returns a Result.
 */
export type Result<T, E> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: E };

export function ok<T>(value: T): { readonly ok: true; readonly value: T } {
  return { ok: true, value };
}

export function err<E>(error: E): { readonly ok: false; readonly error: E } {
  return { ok: false, error };
}
