import path from 'node:path';
import { cleanPath } from '../glob.js';
import { compareNames } from '../../core/index.js';

/**
 * The shape of a snapshot's root tree, as restic 0.14 builds it (archiver/tree.go): each target contributes its path
 * components — all of them for an absolute path (`/home/u/docs` → `home/u/docs`), only the given ones for a relative
 * path (`docs` → `docs`, `../x/docs` → `x/docs`). Targets under the same root share intermediate folders; a name
 * that collides with a different root gets a suffix `-1`, `-2`… A target inside another target is covered by it.
 */
export interface TargetNode {
  /** Node name in the snapshot. */
  name: string;
  /** Where the folder or file is on disk. */
  fsPath: string;
  /** Backed up as a whole (a given path); otherwise an intermediate folder holding only `children`. */
  leaf: boolean;
  children: TargetNode[];
  /** Which directory the path components are relative to ('/' for absolute targets). */
  root: string;
}

/**
 * The root tree's nodes for `paths`. A target with no components (`/`, `.`, `..`) puts its folder's contents at the
 * top of the snapshot, as restic does; that is returned as `{ contentsOf }`.
 */
export function buildTargets(paths: readonly string[], cwd: string): TargetNode[] | { contentsOf: string } {
  const top: TargetNode[] = [];
  for (const given of paths) {
    const absolute = path.isAbsolute(given);
    const root = absolute ? '/' : relativeRoot(given);
    const comps = cleanPath('/' + given).split('/').filter((c) => c !== '');
    const base = path.resolve(cwd, root);
    if (comps.length === 0) return { contentsOf: base };
    insert(top, comps, 0, root, base);
  }
  sortTree(top);
  return top;
}

function insert(level: TargetNode[], comps: string[], depth: number, root: string, base: string): void {
  const comp = comps[depth]!;
  const fsPath = path.join(base, ...comps.slice(0, depth + 1));
  const isLast = depth === comps.length - 1;
  let name = comp;
  for (let i = 1; ; i++) {
    const other = level.find((n) => n.name === name);
    if (!other) {
      const node: TargetNode = { name, fsPath, leaf: isLast, children: [], root };
      level.push(node);
      if (!isLast) insert(node.children, comps, depth + 1, root, base);
      return;
    }
    if (other.root === root && other.fsPath === fsPath) {
      if (other.leaf) return; // already covered by a target above or equal to this one
      if (isLast) {
        other.leaf = true;
        other.children = [];
        return;
      }
      insert(other.children, comps, depth + 1, root, base);
      return;
    }
    // Only top-level names can collide with a different root; restic appends a counter.
    name = `${comp}-${i}`;
  }
}

/** restic's rootDirectory for a relative target: '.', '..', '../..' — one '..' per leading '..' component. */
function relativeRoot(target: string): string {
  let rel = '.';
  for (const c of cleanPath(target).split('/')) if (c === '..') rel = path.join(rel, '..');
  return rel;
}

function sortTree(nodes: TargetNode[]): void {
  nodes.sort((a, b) => compareNames(a.name, b.name));
  for (const n of nodes) sortTree(n.children);
}

/** The paths backed up as a whole (restic's targets without those covered by another). */
export function leafPaths(targets: TargetNode[] | { contentsOf: string }): string[] {
  if ('contentsOf' in targets) return [targets.contentsOf];
  const out: string[] = [];
  const visit = (ns: TargetNode[]): void => ns.forEach((n) => (n.leaf ? out.push(n.fsPath) : visit(n.children)));
  visit(targets);
  return out;
}
