/** The collector's own log: one line per event on stderr, level-filtered. Never carries telemetry. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type Logger = (level: LogLevel, message: string) => void;

const ORDER: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };

export function createLogger(min: LogLevel, write: (line: string) => void = (l) => process.stderr.write(l)): Logger {
  return (level, message) => {
    if (ORDER[level] < ORDER[min]) return;
    write(`${new Date().toISOString()} ${level.padEnd(5)} ${message}\n`);
  };
}
