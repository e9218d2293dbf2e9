/** A plain text table like restic's: header, dashed rule, rows (cells may span lines), rule, optional footer. */
export interface TableColumn {
  title: string;
  align?: 'left' | 'right';
}

export function renderTable(columns: TableColumn[], rows: string[][], footer?: string): string {
  const cellLines = rows.map((row) => columns.map((_, i) => (row[i] ?? '').split('\n')));
  const widths = columns.map((c, i) =>
    Math.max(c.title.length, ...cellLines.map((r) => Math.max(...r[i]!.map((l) => l.length)))),
  );
  const line = (cells: string[]): string =>
    cells
      .map((cell, i) => (columns[i]!.align === 'right' ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  const rule = '-'.repeat(widths.reduce((a, w) => a + w, 0) + 2 * (columns.length - 1));
  const out = [line(columns.map((c) => c.title)), rule];
  for (const row of cellLines) {
    const height = Math.max(...row.map((c) => c.length));
    for (let j = 0; j < height; j++) out.push(line(row.map((c) => c[j] ?? '')));
  }
  out.push(rule);
  if (footer !== undefined) out.push(footer);
  return `${out.join('\n')}\n`;
}
