import type { NodeType } from '../core/index.js';

/** Go `os.FileMode` bits (section 8.2 of the format notes). */
export const GoMode = {
  dir: 0x80000000,
  symlink: 0x08000000,
  device: 0x04000000,
  namedPipe: 0x02000000,
  socket: 0x01000000,
  setuid: 0x00800000,
  setgid: 0x00400000,
  charDevice: 0x00200000,
  sticky: 0x00100000,
  irregular: 0x00080000,
  perm: 0o777,
} as const;

const TYPE_BITS =
  GoMode.dir |
  GoMode.symlink |
  GoMode.device |
  GoMode.namedPipe |
  GoMode.socket |
  GoMode.charDevice |
  GoMode.irregular;

const S_IFMT = 0o170000;
const S_IFSOCK = 0o140000;
const S_IFLNK = 0o120000;
const S_IFBLK = 0o060000;
const S_IFDIR = 0o040000;
const S_IFCHR = 0o020000;
const S_IFIFO = 0o010000;
const S_ISUID = 0o4000;
const S_ISGID = 0o2000;
const S_ISVTX = 0o1000;

/**
 * POSIX `st_mode` → the Go `os.FileMode` restic stores (what Go's `os.Lstat` reports on Linux, masked as restic
 * masks it: permission, type, setuid, setgid and sticky bits). A regular file has no type bit.
 */
export function goModeFromStat(stMode: number): number {
  let mode = stMode & GoMode.perm;
  switch (stMode & S_IFMT) {
    case S_IFBLK:
      mode |= GoMode.device;
      break;
    case S_IFCHR:
      mode |= GoMode.device | GoMode.charDevice;
      break;
    case S_IFDIR:
      mode |= GoMode.dir;
      break;
    case S_IFIFO:
      mode |= GoMode.namedPipe;
      break;
    case S_IFLNK:
      mode |= GoMode.symlink;
      break;
    case S_IFSOCK:
      mode |= GoMode.socket;
      break;
  }
  if (stMode & S_ISUID) mode |= GoMode.setuid;
  if (stMode & S_ISGID) mode |= GoMode.setgid;
  if (stMode & S_ISVTX) mode |= GoMode.sticky;
  return mode >>> 0;
}

/** The bits to pass to chmod for a Go `os.FileMode`: permissions plus S_ISUID, S_ISGID and S_ISVTX. */
export function statModeFromGo(goMode: number): number {
  let mode = goMode & GoMode.perm;
  if (goMode & GoMode.setuid) mode |= S_ISUID;
  if (goMode & GoMode.setgid) mode |= S_ISGID;
  if (goMode & GoMode.sticky) mode |= S_ISVTX;
  return mode;
}

/** The node type restic derives from a Go `os.FileMode` (anything it does not recognize is 'irregular'). */
export function nodeTypeFromGoMode(goMode: number): NodeType {
  switch ((goMode & TYPE_BITS) >>> 0) {
    case 0:
      return 'file';
    case GoMode.dir:
      return 'dir';
    case GoMode.symlink:
      return 'symlink';
    case GoMode.device | GoMode.charDevice:
      return 'chardev';
    case GoMode.device:
      return 'dev';
    case GoMode.namedPipe:
      return 'fifo';
    case GoMode.socket:
      return 'socket';
    default:
      return 'irregular';
  }
}

const GO_TYPE_CHARS = 'dalTLDpSugct?';

/** Go's os.FileMode.String(): "drwxr-xr-x", "-rw-r--r--", "Lrwxrwxrwx"… */
export function goModeString(mode: number): string {
  let out = '';
  for (let i = 0; i < GO_TYPE_CHARS.length; i++) {
    const bit = 2 ** (31 - i);
    if (Math.floor(mode / bit) % 2 === 1) out += GO_TYPE_CHARS[i];
  }
  if (out === '') out = '-';
  const rwx = 'rwxrwxrwx';
  for (let i = 0; i < 9; i++) out += (mode >> (8 - i)) & 1 ? rwx[i] : '-';
  return out;
}
