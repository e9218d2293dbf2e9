// restic's Rabin fingerprint search in AssemblyScript (the digest is an i64). Compiled by scripts/build-wasm.mjs to
// src/chunker/wasm/chunker.wasm and driven by src/chunker/wasm-chunker.ts, which owns the chunk-size bookkeeping.
//
// A "candidate" is a byte after which the fingerprint of the 64-byte window ending there has its low 20 bits zero.
// That fingerprint depends only on those 64 bytes, not on where hashing started, so a range can be searched in four
// interleaved lanes: the digest chains are independent and the CPU overlaps their table loads, which more than
// doubles the speed of this latency-bound loop (2 lanes: ×1.9, 4 lanes: ×2.1). Each lane first hashes the 64 bytes
// before it (warm-up). The earliest candidate wins: lane 0 can stop at its first one, a later lane's must wait until
// the lanes before it have finished the block.
//
// Memory: TABLES holds OUT[256] then MOD[256] (u64 each, written by the host). The host copies the bytes to search
// to dataPtr() and the 64 stream bytes before them to the 64 bytes just below dataPtr().

const TABLES: usize = memory.data(4096, 16);
const OUT: usize = TABLES;
const MOD: usize = TABLES + 2048;
const SPLIT_MASK: u64 = (1 << 20) - 1;
const WINDOW: usize = 64;
/** Lane length: long enough that the warm-ups cost little, short enough that little is hashed past a cut. */
const LANE: i32 = 16384;
const MIN_LANE: i32 = 1024;

export function tablesPtr(): usize {
  return TABLES;
}

/** Start of the data area, 64-byte aligned, with 64 bytes of history before it. */
export function dataPtr(): usize {
  return ((__heap_base + 63) & ~(<usize>63)) + WINDOW;
}

/** Fingerprint of the 64 bytes before p (a window that started out all zero, so nothing leaves it). */
function warm(p: usize): u64 {
  let d: u64 = 0;
  for (let k = WINDOW; k > 0; k--) {
    const b = <u64>load<u8>(p - k);
    d = ((d << 8) | b) ^ load<u64>(MOD + ((<usize>(d >> 45)) << 3));
  }
  return d;
}

/** Slides the window by the byte at p: the byte 64 before it leaves. */
function step(d: u64, p: usize): u64 {
  const e = d ^ load<u64>(OUT + ((<usize>load<u8>(p - WINDOW)) << 3));
  return ((e << 8) | (<u64>load<u8>(p))) ^ load<u64>(MOD + ((<usize>(e >> 45)) << 3));
}

function searchOne(data: usize, from: i32, to: i32): i32 {
  let d = warm(data + <usize>from);
  for (let j = from; j < to; j++) {
    d = step(d, data + <usize>j);
    if ((d & SPLIT_MASK) == 0) return j + 1;
  }
  return -1;
}

/** Searches data[from..from+4·len) as four lanes of `len` bytes; returns the offset after the first candidate. */
function searchFour(data: usize, from: i32, len: i32): i32 {
  const p0 = data + <usize>from;
  const l = <usize>len;
  let d0 = warm(p0);
  let d1 = warm(p0 + l);
  let d2 = warm(p0 + 2 * l);
  let d3 = warm(p0 + 3 * l);
  let hit = -1;
  for (let s = 0; s < len; s++) {
    const p = p0 + <usize>s;
    d0 = step(d0, p);
    d1 = step(d1, p + l);
    d2 = step(d2, p + 2 * l);
    d3 = step(d3, p + 3 * l);
    if ((d0 & SPLIT_MASK) == 0) return from + s + 1;
    if ((((d1 & SPLIT_MASK) == 0) | ((d2 & SPLIT_MASK) == 0) | ((d3 & SPLIT_MASK) == 0)) != 0) {
      let h = -1;
      if ((d3 & SPLIT_MASK) == 0) h = from + 3 * len + s + 1;
      if ((d2 & SPLIT_MASK) == 0) h = from + 2 * len + s + 1;
      if ((d1 & SPLIT_MASK) == 0) h = from + len + s + 1;
      if (hit < 0 || h < hit) hit = h;
    }
  }
  return hit;
}

/**
 * The first candidate among data[0..len): returns the offset just after it, or -1. data[-64..0) must hold the
 * 64 stream bytes before data[0].
 */
export function find(len: i32): i32 {
  const data = dataPtr();
  let from = 0;
  while (len - from >= 4 * MIN_LANE) {
    const lane = min(LANE, (len - from) >> 2);
    const hit = searchFour(data, from, lane);
    if (hit >= 0) return hit;
    from += 4 * lane;
  }
  return searchOne(data, from, len);
}
