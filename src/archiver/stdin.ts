import { type Id, type TreeNode } from '../core/index.js';
import { formatTime } from '../snapshot/index.js';
import { checkRunning, type WalkContext } from './context.js';
import type { StdinSource } from './types.js';

/**
 * `backup --stdin`: one file node named `filename` in the root tree, mode 0644 and times "now", as restic's stdin
 * reader fakes them. If the producer fails (`done` rejects) the error is thrown and no snapshot is written.
 */
export async function backupStdinTree(ctx: WalkContext, src: StdinSource): Promise<Id> {
  checkRunning(ctx);
  const started = ctx.clock.now();
  const read = ctx.reader.readStream(src.stream as AsyncIterable<Uint8Array | string>);
  const [res] = await Promise.all([read, src.done ?? Promise.resolve()]);
  checkRunning(ctx);
  const now = formatTime(ctx.clock.nowNs());
  const uid = process.getuid?.() ?? 0;
  const gid = process.getgid?.() ?? 0;
  const node: TreeNode = { name: src.filename, type: 'file', mode: 0o644, mtime: now, atime: now, ctime: now, uid, gid, content: res.content };
  const user = ctx.names.user(uid);
  const group = ctx.names.group(gid);
  if (user !== undefined) node.user = user;
  if (group !== undefined) node.group = group;
  node.size = res.size;
  ctx.stats.countFile('new');
  ctx.stats.total_files_processed++;
  ctx.stats.total_bytes_processed += res.size;
  ctx.stats.filesDone++;
  ctx.stats.bytesDone += res.size;
  ctx.emit({
    kind: 'backup-file',
    action: 'new',
    item: '/' + src.filename,
    duration: (ctx.clock.now() - started) / 1000,
    dataSize: res.stats.dataSize,
    dataSizeInRepo: res.stats.dataSizeInRepo,
    metadataSize: 0,
    totalFiles: 1,
  });
  return ctx.saveTree({ nodes: [node] });
}
