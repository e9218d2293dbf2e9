/** Every command of the CLI, registered on the program in restic's order. */
import type { Command } from 'commander';
import type { CliRuntime } from '../runtime.js';
import { registerDump } from './file-dump.js';
import { registerFind } from './file-find.js';
import { registerLs } from './file-list.js';
import { registerKeyAdd } from './key-add.js';
import { registerKeyList } from './key-list.js';
import { registerKeyPasswd } from './key-passwd.js';
import { registerKeyRemove } from './key-remove.js';
import { registerUnlock } from './lock-remove.js';
import { registerCat } from './object-cat.js';
import { registerVersion } from './program-version.js';
import { registerCheck } from './repository-check.js';
import { registerInit } from './repository-init.js';
import { registerPrune } from './repository-prune.js';
import { registerServeRepo } from './repository-serve.js';
import { registerStats } from './repository-stats.js';
import { registerBackup } from './snapshot-create.js';
import { registerCopy } from './snapshot-copy.js';
import { registerDiff } from './snapshot-diff.js';
import { registerForget } from './snapshot-forget.js';
import { registerSnapshots } from './snapshot-list.js';
import { registerRestore } from './snapshot-restore.js';

export function registerCommands(program: Command, rt: CliRuntime): void {
  registerInit(program, rt);
  registerBackup(program, rt);
  registerSnapshots(program, rt);
  registerForget(program, rt);
  registerRestore(program, rt);
  registerLs(program, rt);
  registerFind(program, rt);
  registerDump(program, rt);
  registerDiff(program, rt);
  registerStats(program, rt);
  registerCat(program, rt);
  const key = program.command('key').description('manage keys (passwords)');
  registerKeyList(key, rt);
  registerKeyAdd(key, rt);
  registerKeyRemove(key, rt);
  registerKeyPasswd(key, rt);
  registerUnlock(program, rt);
  registerCheck(program, rt);
  registerPrune(program, rt);
  registerCopy(program, rt);
  registerServeRepo(program, rt);
  registerVersion(program, rt);
}
