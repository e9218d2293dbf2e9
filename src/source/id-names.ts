import fs from 'node:fs';

/**
 * User and group names by numeric id, from /etc/passwd and /etc/group (read once per instance, as Go's pure
 * os/user does). Unknown ids give undefined, which leaves `user`/`group` out of the node like restic.
 */
export class IdNames {
  private users: Map<number, string> | undefined;
  private groups: Map<number, string> | undefined;

  constructor(
    private readonly passwdFile = '/etc/passwd',
    private readonly groupFile = '/etc/group',
  ) {}

  user(uid: number): string | undefined {
    this.users ??= parseIdFile(readOrEmpty(this.passwdFile), 2);
    return this.users.get(uid);
  }

  group(gid: number): string | undefined {
    this.groups ??= parseIdFile(readOrEmpty(this.groupFile), 2);
    return this.groups.get(gid);
  }
}

/** `name:x:id:…` lines → id → name (first entry wins, like getpwuid). */
export function parseIdFile(text: string, idField: number): Map<number, string> {
  const out = new Map<number, string>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const fields = line.split(':');
    const id = Number(fields[idField]);
    const name = fields[0];
    if (name && Number.isInteger(id) && !out.has(id)) out.set(id, name);
  }
  return out;
}

function readOrEmpty(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}
