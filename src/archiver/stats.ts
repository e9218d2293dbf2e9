/** Running counters of one backup, named like restic's summary. */
export class Stats {
  files_new = 0;
  files_changed = 0;
  files_unmodified = 0;
  dirs_new = 0;
  dirs_changed = 0;
  dirs_unmodified = 0;
  data_blobs = 0;
  tree_blobs = 0;
  data_added = 0;
  data_added_packed = 0;
  total_files_processed = 0;
  total_bytes_processed = 0;
  /** Progress: bytes of file content read or reused so far. */
  bytesDone = 0;
  filesDone = 0;
  errorCount = 0;

  addData(plain: number, packed: number): void {
    this.data_blobs++;
    this.data_added += plain;
    this.data_added_packed += packed;
  }

  addTree(plain: number, packed: number): void {
    this.tree_blobs++;
    this.data_added += plain;
    this.data_added_packed += packed;
  }

  countFile(kind: 'new' | 'changed' | 'unmodified'): void {
    this[`files_${kind}`]++;
  }

  countDir(kind: 'new' | 'changed' | 'unmodified'): void {
    this[`dirs_${kind}`]++;
  }
}
