/**
 * Strings decoded from a collector's frame are, in V8, often slices of one string holding the text of many
 * of the frame's strings (msgpackr decodes short strings in chunks): keeping one alive keeps its chunk alive
 * (measured: a 15-character process name kept ~6 KB; a log line kept of a frame of log records ~6 KB).
 * State that outlives its frame (a history, evidence lines) keeps a copy instead.
 */
export function detachString(s: string): string {
  return Buffer.from(s, 'utf8').toString('utf8');
}
