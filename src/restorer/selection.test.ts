import { describe, expect, it } from 'vitest';
import { makeSelector } from './selection.js';

describe('restore selection (restic SelectFilter)', () => {
  it('selects everything, descending into folders, without patterns', () => {
    const select = makeSelector({});
    expect(select('/a', true)).toEqual({ selected: true, childMaySelect: true });
    expect(select('/a/f', false)).toEqual({ selected: true, childMaySelect: false });
  });

  it('an exclude drops the entry and everything below it', () => {
    const select = makeSelector({ exclude: ['/cache'], iexclude: ['*.LOG'] });
    expect(select('/cache', true)).toEqual({ selected: false, childMaySelect: false });
    expect(select('/cache/x', false).selected).toBe(false);
    expect(select('/d/a.log', false).selected).toBe(false);
    expect(select('/d/a.txt', false).selected).toBe(true);
  });

  it('an include walks into the folders that lead to it without selecting them', () => {
    const select = makeSelector({ include: ['/d/e/f.txt'] });
    expect(select('/d', true)).toEqual({ selected: false, childMaySelect: true });
    expect(select('/x', true)).toEqual({ selected: false, childMaySelect: false });
    expect(select('/d/e/f.txt', false)).toEqual({ selected: true, childMaySelect: false });
  });

  it('an iinclude matches case-insensitively alongside plain includes', () => {
    const select = makeSelector({ include: ['/nothing'], iinclude: ['*.TXT'] });
    expect(select('/d/a.txt', false).selected).toBe(true);
    expect(select('/d/a.bin', false).selected).toBe(false);
  });
});
