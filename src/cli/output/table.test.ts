import { describe, expect, it } from 'vitest';
import { renderTable } from './table.js';

describe('renderTable', () => {
  it('pads columns, draws rules and puts multi-line cells on extra lines', () => {
    const out = renderTable([{ title: 'ID' }, { title: 'Paths' }], [['1', '/a\n/b']], '1 snapshot');
    expect(out).toBe(
      ['ID  Paths', '---------', '1   /a', '    /b', '---------', '1 snapshot', ''].join('\n'),
    );
  });
});
