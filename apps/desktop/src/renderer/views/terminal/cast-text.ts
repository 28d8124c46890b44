/**
 * The output of an asciicast v2 recording (the API's `terminalRecording`), in order, for a replay: the
 * "o" events' data joined. Lines that are not events (the header, a line cut short) are skipped.
 */
export function castOutputText(cast: string): string {
  let out = '';
  const lines = cast.split('\n');
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i] as string;
    if (!line.startsWith('[')) continue;
    try {
      const e = JSON.parse(line) as unknown;
      if (Array.isArray(e) && e[1] === 'o' && typeof e[2] === 'string') out += e[2];
    } catch {
      // a line cut short by a crash: the replay ends there
    }
  }
  return out;
}
