/** The daemon's logging: pino (pretty on a TTY, JSON lines otherwise), and log lines kept with their run. */
import pino from 'pino';
import pretty from 'pino-pretty';
import type { LogLine } from '../api/index.js';
import { maskCredentials } from '../util/index.js';
import type { History } from './history.js';

export type Logger = pino.Logger;

/** Where log lines go: stderr, or a `RotatingLogFile` (anything with `write(line)`); pretty only on a TTY. */
export function createLogger(
  level: string,
  stream: pino.DestinationStream & { isTTY?: boolean } = process.stderr,
): Logger {
  const dest =
    stream.isTTY === true
      ? pretty({
          destination: stream as NodeJS.WritableStream & { fd?: number },
          colorize: true,
          sync: true,
          translateTime: 'SYS:HH:MM:ss',
          // One readable line per message: the job in front, the ids left to the JSON form.
          messageFormat: '{if job}{job}: {end}{msg}',
          ignore: 'job,kind,runId,event,repository',
        })
      : stream;
  return pino({ level, base: null }, dest);
}

/** Writes one line to the run's log in the history and to the daemon log. */
export class RunLog {
  constructor(
    private readonly history: History,
    private readonly logger: Logger,
    readonly runId: number,
    private readonly fields: Record<string, unknown>,
    private readonly now: () => number,
  ) {}

  /** Hook output and warnings may quote URLs: their passwords are masked as in every CLI message. */
  line(level: LogLine['level'], text: string): void {
    const message = maskCredentials(text);
    this.history.log(this.runId, this.now(), level, message);
    this.logger[level]({ ...this.fields, runId: this.runId }, message);
  }
  info(message: string): void {
    this.line('info', message);
  }
  warn(message: string): void {
    this.line('warn', message);
  }
  error(message: string): void {
    this.line('error', message);
  }
}
