/** Smallest chunk restic cuts (except a file's last chunk): 512 KiB. */
export const MIN_SIZE = 512 * 1024;
/** Largest chunk: a cut is forced at exactly 8 MiB. */
export const MAX_SIZE = 8 * 1024 * 1024;
/** A cut falls where the low 20 bits of the fingerprint are zero: about 1 MiB on average beyond MIN_SIZE. */
export const SPLIT_MASK = (1 << 20) - 1;
/** Bytes in the sliding window. */
export const WINDOW_SIZE = 64;
