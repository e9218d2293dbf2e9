/** One line at the bottom of a terminal, redrawn at most ~4×/s; other output is printed above it. */
export class StatusLine {
  private last = '';
  private lastDraw = 0;
  private shown = false;

  constructor(
    private readonly out: NodeJS.WriteStream,
    private readonly now: () => number,
    private readonly intervalMs = 250,
  ) {}

  /** Redraws with `text` unless the last redraw was too recent (`force` skips the wait). */
  update(text: string, force = false): void {
    this.last = text;
    const t = this.now();
    if (!force && t - this.lastDraw < this.intervalMs) return;
    this.lastDraw = t;
    this.draw();
  }

  private draw(): void {
    const width = Math.max(20, (this.out.columns || 80) - 1);
    const text = this.last.length > width ? `${this.last.slice(0, width - 1)}…` : this.last;
    this.out.write(`\r\x1b[2K${text}`);
    this.shown = true;
  }

  /** Prints a full line above the status line. */
  log(line: string): void {
    if (this.shown) this.out.write('\r\x1b[2K');
    this.out.write(`${line}\n`);
    if (this.shown) this.draw();
  }

  clear(): void {
    if (this.shown) this.out.write('\r\x1b[2K');
    this.shown = false;
  }
}
