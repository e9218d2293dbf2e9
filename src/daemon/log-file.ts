/**
 * `log.file`: the daemon's log in a file, rotated at a size limit (FILE → FILE.1 → … → FILE.N, the oldest dropped).
 * Each line is one append-mode write(2), so a crash loses at most the line being written and never interleaves
 * halves; rotation is a chain of renames, each atomic, so a crash mid-rotation leaves every line in some file (at
 * worst a number skipped, which the next rotation closes). `reopen()` (SIGHUP) starts a new file at the same path,
 * for external tools that moved it away.
 */
import fs from 'node:fs';
import { errnoCode } from '../core/index.js';

export class RotatingLogFile {
  private fd: number;
  private size: number;
  private failing = false;

  constructor(
    readonly file: string,
    private readonly maxBytes: number,
    private readonly keep: number,
  ) {
    this.fd = fs.openSync(file, 'a', 0o600);
    this.size = fs.fstatSync(this.fd).size;
  }

  /** pino's destination interface: one complete line per call. */
  write(line: string): boolean {
    const bytes = Buffer.from(line);
    try {
      // A line larger than the limit gets a file of its own rather than being cut.
      if (this.size > 0 && this.size + bytes.length > this.maxBytes) this.rotate();
      this.size += fs.writeSync(this.fd, bytes);
      this.failing = false;
    } catch (err) {
      // A full disk must not stop the backups: say it once on stderr, keep trying with the next lines.
      if (!this.failing)
        process.stderr.write(
          `cairn: the log file ${this.file} cannot be written (${errnoCode(err) ?? String(err)})\n`,
        );
      this.failing = true;
    }
    return true;
  }

  /**
   * Opens FILE anew and closes the old descriptor (after a SIGHUP: a file moved away by logrotate is left to it).
   * When FILE cannot be opened, the old descriptor stays in use and stderr says why.
   */
  reopen(): void {
    let fd: number;
    try {
      fd = fs.openSync(this.file, 'a', 0o600);
    } catch (err) {
      process.stderr.write(
        `cairn: the log file ${this.file} cannot be reopened (${errnoCode(err) ?? String(err)})\n`,
      );
      return;
    }
    fs.closeSync(this.fd);
    this.fd = fd;
    this.size = fs.fstatSync(fd).size;
  }

  close(): void {
    fs.closeSync(this.fd);
  }

  private rotate(): void {
    for (let i = this.keep - 1; i >= 1; i--) renameIfThere(`${this.file}.${i}`, `${this.file}.${i + 1}`);
    renameIfThere(this.file, `${this.file}.1`);
    this.reopen();
  }
}

function renameIfThere(from: string, to: string): void {
  try {
    fs.renameSync(from, to);
  } catch (err) {
    if (errnoCode(err) !== 'ENOENT') throw err;
  }
}
