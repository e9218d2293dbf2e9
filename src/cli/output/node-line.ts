/** restic's long listing line of a tree node (`ls -l`, `find -l`). */
import type { TreeNode } from '../../core/index.js';
import { formatLocalTime, goModeString } from './format.js';

export function longNodeLine(path: string, node: TreeNode): string {
  const mode = goModeString(node.mode ?? 0);
  const size = String(node.size ?? 0).padStart(6);
  const link = node.type === 'symlink' && node.linktarget !== undefined ? ` -> ${node.linktarget}` : '';
  return `${mode} ${String(node.uid).padStart(5)} ${String(node.gid).padStart(5)} ${size} ${formatLocalTime(node.mtime)} ${path}${link}`;
}
