/** Reading secrets: password files, password commands (no shell), and a no-echo terminal prompt. */
import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import { CairnError, errnoCode } from '../core/index.js';
import { firstLine } from '../app/index.js';
import type { PasswordSpec } from './global-options.js';
import { splitCommandLine } from './parse.js';

export async function readSecretFile(file: string, what: string): Promise<string> {
  try {
    return firstLine(await fs.readFile(file, 'utf8'));
  } catch (err) {
    const code = errnoCode(err);
    const why =
      code === 'ENOENT'
        ? 'does not exist'
        : code === 'EACCES'
          ? 'is not readable'
          : `cannot be read (${code ?? String(err)})`;
    throw new CairnError('invalid-argument', `The ${what} ${file} ${why}.`, { cause: err });
  }
}

/** Runs a password command without a shell and returns its first output line. */
export async function runPasswordCommand(commandLine: string): Promise<string> {
  const [cmd, ...args] = splitCommandLine(commandLine);
  if (cmd === undefined) throw new CairnError('invalid-argument', 'The password command is empty.');
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['inherit', 'pipe', 'inherit'], shell: false });
    const out: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.once('error', (err) =>
      reject(
        new CairnError(
          'invalid-argument',
          `The password command ${cmd} could not be started (${errnoCode(err) ?? err.message}).`,
        ),
      ),
    );
    child.once('close', (code) => {
      if (code === 0) resolve(firstLine(Buffer.concat(out).toString('utf8')));
      else
        reject(
          new CairnError('invalid-argument', `The password command ${cmd} exited with status ${code ?? -1}.`),
        );
    });
  });
}

export async function loadPassword(spec: PasswordSpec): Promise<string> {
  let pw: string;
  if (spec.kind === 'file') pw = await readSecretFile(spec.file, 'password file');
  else if (spec.kind === 'command') pw = await runPasswordCommand(spec.command);
  else pw = spec.value;
  if (pw === '') throw new CairnError('invalid-argument', `The password from ${spec.source} is empty.`);
  return pw;
}

/** Asks for a secret on the terminal without echoing it; Ctrl-C interrupts. */
export function promptHidden(
  prompt: string,
  input: NodeJS.ReadStream,
  output: NodeJS.WritableStream,
): Promise<string> {
  output.write(prompt);
  input.setRawMode(true);
  input.resume();
  return new Promise((resolve, reject) => {
    let buf = '';
    const cleanup = (): void => {
      input.off('data', onData);
      input.setRawMode(false);
      input.pause();
      output.write('\n');
    };
    const onData = (d: Buffer): void => {
      for (const ch of d.toString('utf8')) {
        if (ch === '\r' || ch === '\n' || ch === '\u0004') {
          cleanup();
          resolve(buf);
          return;
        }
        if (ch === '\u0003') {
          cleanup();
          reject(new CairnError('interrupted', 'Interrupted while asking for the password.'));
          return;
        }
        if (ch === '\u007f' || ch === '\b') buf = buf.slice(0, -1);
        else buf += ch;
      }
    };
    input.on('data', onData);
  });
}
