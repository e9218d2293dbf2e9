/** `cairn key list`: the repository's keys (passwords). */
import type { Command } from 'commander';
import type { KeyInfo } from '../../app/index.js';
import { listKeys } from '../../app/index.js';
import { formatLocalTime } from '../output/format.js';
import { renderTable } from '../output/table.js';
import type { CliRuntime } from '../runtime.js';

export function keysJSON(keys: KeyInfo[]): Record<string, unknown>[] {
  return keys.map((k) => ({
    current: k.current,
    id: k.id.slice(0, 8),
    userName: k.username,
    hostName: k.hostname,
    created: formatLocalTime(k.created),
  }));
}

export function keysTable(keys: KeyInfo[]): string {
  const rows = keys.map((k) => [
    `${k.current ? '*' : ' '}${k.id.slice(0, 8)}`,
    k.username,
    k.hostname,
    formatLocalTime(k.created),
  ]);
  return renderTable(
    ['ID', 'User', 'Host', 'Created'].map((title, i) => ({ title: i === 0 ? ` ${title}` : title })),
    rows,
  );
}

export function registerKeyList(key: Command, rt: CliRuntime): void {
  key
    .command('list')
    .description('list keys')
    .action(async (_flags: unknown, cmd: Command) =>
      rt.run(cmd, async (ctx) => {
        const keys = await listKeys(ctx.deps(), await ctx.openOptions());
        if (ctx.json) ctx.write(`${JSON.stringify(keysJSON(keys))}\n`);
        else ctx.write(keysTable(keys));
      }),
    );
}
