/** `cairn generate`: shell completion scripts and man pages from the command definitions (restic's `generate`). */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { CairnError } from '../../core/index.js';
import { bashCompletion, fishCompletion, manPages, zshCompletion } from '../output/completion.js';
import type { CliRuntime } from '../runtime.js';

interface GenerateFlags {
  bashCompletion?: string;
  zshCompletion?: string;
  fishCompletion?: string;
  man?: string;
}

/** Writes a whole file or nothing: a temporary file in the same folder, renamed over the target. */
async function writeWhole(file: string, text: string): Promise<void> {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    await fs.writeFile(tmp, text, { mode: 0o644, flag: 'wx' });
    await fs.rename(tmp, file);
  } catch (err) {
    await fs.rm(tmp, { force: true });
    throw err;
  }
}

export function registerGenerate(program: Command, rt: CliRuntime): void {
  program
    .command('generate')
    .description('write shell completion scripts and man pages')
    .option('--bash-completion <file>', 'write the bash completion script to this file')
    .option('--zsh-completion <file>', 'write the zsh completion script to this file')
    .option('--fish-completion <file>', 'write the fish completion script to this file')
    .option('--man <dir>', 'write a man page for each command into this folder')
    .action(async (flags: GenerateFlags, cmd: Command) =>
      rt.run(cmd, async (ctx) => {
        const scripts: [string | undefined, string, (p: Command) => string][] = [
          [flags.bashCompletion, 'bash', bashCompletion],
          [flags.zshCompletion, 'zsh', zshCompletion],
          [flags.fishCompletion, 'fish', fishCompletion],
        ];
        if (scripts.every(([f]) => f === undefined) && flags.man === undefined) {
          throw new CairnError(
            'invalid-argument',
            'Nothing to do: give --bash-completion, --zsh-completion, --fish-completion or --man.',
          );
        }
        for (const [file, shell, make] of scripts) {
          if (file === undefined) continue;
          // restic writes to standard output for "-".
          if (file === '-') {
            ctx.write(make(program));
            continue;
          }
          ctx.print(`writing ${shell} completion file to ${file}`);
          await writeWhole(file, make(program));
        }
        if (flags.man !== undefined) {
          ctx.print(`writing man pages to directory ${flags.man}`);
          const date = new Date(ctx.io.clock.now()).toISOString().slice(0, 10);
          for (const [name, text] of manPages(program, date))
            await writeWhole(path.join(flags.man, name), text);
        }
      }),
    );
}
