/**
 * The name globs of the host's policy file (`remediation.processes`, file patterns of delete-old-files):
 * `*` any run of characters, `?` one, matched against the whole name. One implementation for the
 * collector, which enforces them, and the console, which predicts their verdict in a dry run.
 */
export function globToRegExp(glob: string): RegExp {
  const esc = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${esc}$`);
}
