import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RotatingLogFile } from './log-file.js';

let dir: string;
let file: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cairn-log-'));
  file = path.join(dir, 'cairn.log');
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const line = (i: number): string => `{"n":"${String(i).padStart(4, '0')}","msg":"${'x'.repeat(88)}"}\n`;
const read = (f: string): string[] =>
  fs
    .readFileSync(f, 'utf8')
    .split('\n')
    .filter((l) => l !== '');
const numbers = (f: string): number[] => read(f).map((l) => Number((JSON.parse(l) as { n: string }).n));

describe('RotatingLogFile', () => {
  it('rotates FILE → FILE.1 … FILE.N at the size limit, whole lines only, the oldest dropped', () => {
    const log = new RotatingLogFile(file, 1024, 2);
    for (let i = 0; i < 50; i++) log.write(line(i));
    log.close();
    expect(fs.readdirSync(dir).sort()).toEqual(['cairn.log', 'cairn.log.1', 'cairn.log.2']);
    for (const f of ['cairn.log', 'cairn.log.1', 'cairn.log.2'])
      expect(fs.statSync(path.join(dir, f)).size).toBeLessThanOrEqual(1024);
    // The newest lines, in order, none lost between the files.
    const kept = [...numbers(`${file}.2`), ...numbers(`${file}.1`), ...numbers(file)];
    expect(kept).toEqual(Array.from({ length: kept.length }, (_, i) => 50 - kept.length + i));
    expect(kept.length).toBeGreaterThanOrEqual(20);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
  });

  it('counts what the file already holds, and a line larger than the limit gets a file of its own', () => {
    fs.writeFileSync(file, line(0).repeat(10));
    const log = new RotatingLogFile(file, 1024, 3);
    log.write(line(1));
    expect(numbers(`${file}.1`)).toHaveLength(10);
    expect(numbers(file)).toEqual([1]);
    const big = `{"n":"2","msg":"${'y'.repeat(3000)}"}\n`;
    log.write(big);
    log.write(line(3));
    log.close();
    expect(fs.readFileSync(`${file}.1`, 'utf8')).toBe(big);
    expect(numbers(file)).toEqual([3]);
    expect(numbers(`${file}.2`)).toEqual([1]);
  });

  it('reopens FILE after it was moved away (SIGHUP), and keeps writing when it cannot', () => {
    const log = new RotatingLogFile(file, 1024 * 1024, 2);
    log.write(line(1));
    fs.renameSync(file, `${file}.moved`);
    log.write(line(2));
    log.reopen();
    log.write(line(3));
    expect(numbers(`${file}.moved`)).toEqual([1, 2]);
    expect(numbers(file)).toEqual([3]);
    fs.rmSync(dir, { recursive: true });
    log.reopen();
    log.write(line(4));
    log.close();
  });

  it('closes the gap a rotation cut short by a crash left behind', () => {
    // The crash came after FILE.1 → FILE.2 and before FILE → FILE.1.
    fs.writeFileSync(`${file}.2`, line(1));
    fs.writeFileSync(file, line(2).repeat(10));
    const log = new RotatingLogFile(file, 1024, 3);
    log.write(line(3));
    log.close();
    expect(numbers(`${file}.3`)).toEqual([1]);
    expect(numbers(`${file}.1`)).toEqual(Array(10).fill(2));
    expect(numbers(file)).toEqual([3]);
  });
});
