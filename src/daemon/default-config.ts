/**
 * The embedded default: `cairn serve` without --config uses `cairn.yaml` in the data directory, written on first
 * start with one local repository (the CLI's default one, password generated into its password file), a sample job
 * backing up one folder once at start and then nightly, with a daily restore drill.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { errnoCode } from '../core/index.js';

export interface DefaultConfigInput {
  source: string;
  repository: string;
  passwordFile: string;
  listen: string;
}

const q = (s: string): string => JSON.stringify(s);

export function defaultConfigText(i: DefaultConfigInput): string {
  return `# Cairn's default configuration, written by \`cairn serve\` on its first start. Edit it freely: the daemon
# reloads it on SIGHUP, and \`cairn config check ${'FILE'}\` validates it. Reference: docs/configuration.md.
server:
  listen: ${q(i.listen)}
  # No users: the dashboard needs no login and answers only this machine. To log in (and before listening on
  # another address), add users with the hash that \`cairn hash-password\` prints:
  # users: [{ name: admin, password_hash: "scrypt$..." }]

repositories:
  local:
    url: ${q(i.repository)}
    # Generated on first use (mode 0600). Keep a copy elsewhere: without it the backups cannot be restored.
    password_file: ${q(i.passwordFile)}
    create: true

jobs:
  sample:
    description: the sample job; point sources at what you want to keep
    sources:
      - ${q(i.source)}
    schedule:
      cron: "0 0 2 * * *"   # every night at 02:00 (seconds minutes hours day month weekday)
      run_at_start: true
    repositories:
      - name: local
        retention: { keep_daily: 7, keep_weekly: 4, keep_monthly: 6 }
    drill:
      schedule: { cron: "0 30 3 * * *" }
      sample: 10%
`;
}

/** Writes the default config unless the file exists; returns whether it was written. */
export async function ensureDefaultConfig(file: string, input: DefaultConfigInput): Promise<boolean> {
  await fs.mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  try {
    // Written to a temporary name and linked into place: never a half-written config, never an overwritten one.
    const tmp = `${file}.${process.pid}.tmp`;
    await fs.writeFile(tmp, defaultConfigText(input), { mode: 0o600 });
    try {
      await fs.link(tmp, file);
    } finally {
      await fs.rm(tmp, { force: true });
    }
    return true;
  } catch (err) {
    if (errnoCode(err) === 'EEXIST') return false;
    throw err;
  }
}
