// Deterministic benchmark dataset generator / mutator for Cairn's
// performance anchors. Pure Node (v20+), no dependencies.
//
//   node dataset.mjs generate DIR   ~1.5 GiB "self-hosted app data" tree (DATASET_SCALE=0.01: 1% of the files and
//                                   of the large files' sizes, for a quick run; mutate must get the same scale)
//   node dataset.mjs tiny DIR [N]   N (default 200,000) tiny files of 0-2 KiB in 200 folders
//   node dataset.mjs big DIR [MiB]  one file DIR/big.img of MiB (default 4096) MiB: 3 of every 4 MiB incompressible,
//                                   the 4th of low entropy (compresses about 2:1), never repeating
//   node dataset.mjs mutate DIR [N] deterministic ~5% change to a `generate` tree; N = 2, 3… applies the Nth
//                                   of a series of such changes (other files, new names, a day later each)
//   node dataset.mjs dump FILE [N]  one N MiB (default 256) SQL dump like mariadb-dump's (FILE - : standard output)
//
// Everything (names, sizes, contents, mtimes) derives from DATASET_SEED
// (default "bench-v1"): two runs give byte-identical trees.
// Incompressible bytes are an AES-256-CTR keystream keyed from the seed;
// compressible bytes are synthetic text (logs, SQL, JSON, HTML, CSV, config)
// built from a seeded PRNG over a fixed pseudo-word vocabulary.

import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

const SEED = process.env.DATASET_SEED ?? 'bench-v1';
// At 1 (the default) the app tree is byte-identical to the one before scales existed.
const SCALE = Number(process.env.DATASET_SCALE ?? 1);
const count = (n) => Math.max(1, Math.round(n * SCALE));
const KiB = 1024;
const MiB = 1024 * KiB;
// Fixed clock: generated files get mtimes in the year before BASE_TIME,
// mutated/new files get mtimes shortly after MUT_TIME.
const BASE_TIME = Date.UTC(2024, 5, 1) / 1000; // 2024-06-01T00:00:00Z
const MUT_TIME = Date.UTC(2024, 5, 2) / 1000; // 2024-06-02T00:00:00Z

// ---------------------------------------------------------------- PRNG
function sha(...parts) {
  const h = crypto.createHash('sha256');
  h.update(SEED);
  for (const p of parts) h.update('\0' + String(p));
  return h.digest();
}

function makeRng(...parts) {
  const h = sha('rng', ...parts);
  let a = h.readUInt32LE(0), b = h.readUInt32LE(4), c = h.readUInt32LE(8), d = h.readUInt32LE(12);
  const f = () => { // sfc32
    a |= 0; b |= 0; c |= 0; d |= 0;
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
  for (let i = 0; i < 12; i++) f();
  const int = (n) => Math.floor(f() * n);
  return {
    f,
    int,
    range: (lo, hi) => lo + int(hi - lo + 1),
    pick: (arr) => arr[int(arr.length)],
    hex: (n) => { let s = ''; while (s.length < n) s += (int(0x100000000) >>> 0).toString(16).padStart(8, '0'); return s.slice(0, n); },
  };
}

// Deterministic incompressible byte stream (AES-256-CTR keystream).
function keystream(...parts) {
  const key = sha('key', ...parts);
  const iv = sha('iv', ...parts).subarray(0, 16);
  const c = crypto.createCipheriv('aes-256-ctr', key, iv);
  return (n) => c.update(Buffer.alloc(n));
}

// ---------------------------------------------------------------- vocabulary
const VOCAB = (() => {
  const r = makeRng('vocab');
  const syl = ['ka', 'lo', 'mi', 're', 'tan', 'sel', 'dor', 'vi', 'nu', 'pra', 'ste', 'gor', 'lin', 'ma', 'ter',
    'qui', 'bel', 'for', 'an', 'ex', 'ion', 'ing', 'ed', 'er', 'al', 'co', 'de', 'pro', 'con', 'ment', 'ly', 'ta'];
  const common = ['the', 'of', 'and', 'to', 'a', 'in', 'is', 'it', 'you', 'that', 'was', 'for', 'on', 'are', 'with',
    'as', 'be', 'at', 'this', 'have', 'from', 'or', 'one', 'by', 'not', 'but', 'what', 'all', 'were', 'when'];
  const out = [...common];
  while (out.length < 4000) {
    let w = '';
    const n = r.range(1, 4);
    for (let i = 0; i < n; i++) w += r.pick(syl);
    out.push(w);
  }
  return out;
})();
// Zipf-like skew: low indexes are far more frequent.
const word = (r) => VOCAB[Math.floor(VOCAB.length * r.f() ** 3)];
const words = (r, n) => { const a = new Array(n); for (let i = 0; i < n; i++) a[i] = word(r); return a.join(' '); };
const sentence = (r) => { const s = words(r, r.range(4, 18)); return s[0].toUpperCase() + s.slice(1) + r.pick(['.', '.', '.', '?', '!']); };
const paragraph = (r) => { const a = []; for (let i = r.range(2, 7); i > 0; i--) a.push(sentence(r)); return a.join(' '); };
const iso = (t) => new Date(t).toISOString();
const pad2 = (n) => String(n).padStart(2, '0');

// ---------------------------------------------------------------- text kinds
// Each generator returns a "next chunk" function producing ASCII text.
const TEXT = {
  applog(r, ctx = {}) {
    let t = ctx.start ?? (BASE_TIME * 1000 - 200 * 86400e3);
    const levels = ['INFO', 'INFO', 'INFO', 'INFO', 'DEBUG', 'DEBUG', 'WARN', 'ERROR'];
    const comps = ['http', 'worker', 'scheduler', 'db', 'cache', 'mailer', 'auth'];
    return () => {
      const a = [];
      for (let i = 0; i < 300; i++) {
        t += r.int(1500);
        const lv = r.pick(levels), c = r.pick(comps);
        let msg;
        if (c === 'http') msg = `request method=${r.pick(['GET', 'GET', 'GET', 'POST', 'PUT', 'DELETE'])} path=/api/v1/${word(r)}/${r.int(100000)} status=${r.pick([200, 200, 200, 201, 204, 304, 404, 500])} dur_ms=${r.int(900)}`;
        else if (c === 'db') msg = `query table=${word(r)} rows=${r.int(5000)} dur_ms=${r.int(300)} sql="SELECT * FROM ${word(r)} WHERE id = $1"`;
        else msg = `${words(r, r.range(3, 10))} job_id=${r.hex(12)}`;
        a.push(`${iso(t)} ${lv.padEnd(5)} [${c}-${r.int(8)}] ${msg} req_id=${r.hex(16)} user_id=${r.int(50000)}`);
      }
      ctx.end = t;
      return a.join('\n') + '\n';
    };
  },
  access(r, ctx = {}) {
    let t = ctx.start ?? (BASE_TIME * 1000 - 200 * 86400e3);
    const mon = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
    const ua = ['Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0',
      'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36',
      'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1',
      'curl/7.88.1', 'Prometheus/2.45.0', 'Go-http-client/1.1'];
    return () => {
      const a = [];
      for (let i = 0; i < 300; i++) {
        t += r.int(800);
        const d = new Date(t);
        const ts = `${pad2(d.getUTCDate())}/${mon[d.getUTCMonth()]}/${d.getUTCFullYear()}:${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}:${pad2(d.getUTCSeconds())} +0000`;
        const p = r.f() < 0.5 ? `/uploads/${2019 + r.int(6)}/${pad2(1 + r.int(12))}/u${r.int(400)}/img_${r.int(99999)}.jpg` : `/${word(r)}/${word(r)}-${word(r)}?page=${r.int(40)}`;
        a.push(`10.${r.int(256)}.${r.int(256)}.${r.int(256)} - - [${ts}] "${r.pick(['GET', 'GET', 'GET', 'POST', 'HEAD'])} ${p} HTTP/1.1" ${r.pick([200, 200, 200, 206, 301, 304, 404])} ${r.int(300000)} "https://example.org/${word(r)}/${word(r)}" "${r.pick(ua)}"`);
      }
      ctx.end = t;
      return a.join('\n') + '\n';
    };
  },
  sql(r, ctx = {}) {
    const tables = ['users', 'posts', 'comments', 'attachments', 'sessions', 'audit_log', 'orders', 'order_items'];
    let id = ctx.startId ?? 1;
    let n = 0;
    return () => {
      const a = [];
      if (n++ % 50 === 0) {
        const tb = tables[(n / 50 | 0) % tables.length];
        a.push(`\n--\n-- Table structure for table \`${tb}\`\n--\n\nDROP TABLE IF EXISTS \`${tb}\`;\nCREATE TABLE \`${tb}\` (\n  \`id\` bigint NOT NULL AUTO_INCREMENT,\n  \`owner_id\` bigint NOT NULL,\n  \`title\` varchar(255) DEFAULT NULL,\n  \`body\` text,\n  \`created_at\` datetime NOT NULL,\n  \`flags\` int NOT NULL DEFAULT '0',\n  PRIMARY KEY (\`id\`)\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;\n\nLOCK TABLES \`${tb}\` WRITE;`);
      }
      for (let s = 0; s < 4; s++) {
        const rows = [];
        for (let i = 0; i < 40; i++) {
          const t = BASE_TIME * 1000 - r.int(3 * 365 * 86400) * 1000;
          rows.push(`(${id++},${r.int(50000)},'${words(r, r.range(2, 6))}','${r.f() < 0.7 ? words(r, r.range(5, 40)) : ''}','${iso(t).slice(0, 19).replace('T', ' ')}',${r.int(4)})`);
        }
        a.push(`INSERT INTO \`${tables[(n / 50 | 0) % tables.length]}\` VALUES ${rows.join(',')};`);
      }
      ctx.endId = id;
      return a.join('\n') + '\n';
    };
  },
  json(r) {
    let first = true;
    return () => {
      const recs = [];
      for (let i = 0; i < 8; i++) {
        recs.push({
          id: r.int(1e7), uuid: `${r.hex(8)}-${r.hex(4)}-4${r.hex(3)}-a${r.hex(3)}-${r.hex(12)}`,
          name: words(r, 2), email: `${word(r)}.${word(r)}@${word(r)}.example`,
          created_at: iso(BASE_TIME * 1000 - r.int(3 * 365 * 86400) * 1000), active: r.f() < 0.8,
          score: Math.round(r.f() * 10000) / 100, tags: Array.from({ length: r.int(5) }, () => word(r)),
          settings: { theme: r.pick(['dark', 'light', 'auto']), locale: r.pick(['en-US', 'de-DE', 'fr-FR', 'ja-JP']), notifications: r.f() < 0.5 },
          bio: sentence(r),
        });
      }
      const s = (first ? '[\n' : ',\n') + recs.map((o) => JSON.stringify(o, null, 2)).join(',\n');
      first = false;
      return s;
    };
  },
  html(r) {
    let first = true;
    return () => {
      let s = first ? `<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<title>${words(r, 4)}</title>\n<link rel="stylesheet" href="/static/css/main.${r.hex(8)}.css">\n</head>\n<body>\n<nav class="top"><a href="/">Home</a> <a href="/blog">Blog</a> <a href="/about">About</a></nav>\n` : '';
      first = false;
      for (let i = 0; i < 6; i++) {
        s += `<article class="post" id="post-${r.int(100000)}">\n  <h2><a href="/p/${word(r)}-${word(r)}">${sentence(r)}</a></h2>\n  <p class="meta">Posted by <span class="author">${words(r, 2)}</span> on <time>${iso(BASE_TIME * 1000 - r.int(1000) * 86400e3).slice(0, 10)}</time></p>\n  <p>${paragraph(r)}</p>\n  <p>${paragraph(r)}</p>\n</article>\n`;
      }
      return s;
    };
  },
  csv(r) {
    let first = true;
    let id = 1;
    return () => {
      const a = first ? ['id,date,customer,email,amount,currency,status,note'] : [];
      first = false;
      for (let i = 0; i < 200; i++) {
        a.push(`${id++},${iso(BASE_TIME * 1000 - r.int(1000) * 86400e3).slice(0, 10)},${words(r, 2)},${word(r)}@${word(r)}.example,${(r.int(1000000) / 100).toFixed(2)},${r.pick(['EUR', 'USD', 'GBP'])},${r.pick(['paid', 'paid', 'open', 'refunded'])},"${words(r, r.range(0, 8))}"`);
      }
      return a.join('\n') + '\n';
    };
  },
  config(r) {
    return () => {
      const a = [];
      for (let s = 0; s < 10; s++) {
        a.push(`${word(r)}_${word(r)}:`);
        for (let i = r.range(2, 10); i > 0; i--) {
          const v = r.pick([() => r.int(65536), () => `"${words(r, r.range(1, 4))}"`, () => r.f() < 0.5, () => `/var/lib/${word(r)}/${word(r)}`, () => `${r.hex(32)}`]);
          a.push(`  ${word(r)}_${word(r)}: ${v()}`);
        }
        a.push('');
      }
      return a.join('\n') + '\n';
    };
  },
};

const MAGIC = {
  jpeg: Buffer.from('ffd8ffe000104a46494600010100000100010000', 'hex'),
  png: Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex'),
  webp: Buffer.from('52494646000000005745425056503820', 'hex'),
  pdf: Buffer.from('%PDF-1.7\n%\xe2\xe3\xcf\xd3\n', 'latin1'),
  zip: Buffer.from('504b0304140000000800', 'hex'),
  mp4: Buffer.from('000000206674797069736f6d0000020069736f6d69736f32617663316d703431', 'hex'),
  gz: Buffer.from('1f8b0800000000000003', 'hex'),
  raw: Buffer.alloc(0),
};

// ---------------------------------------------------------------- writing
const madeDirs = new Set();
function ensureDir(d) {
  if (madeDirs.has(d)) return;
  fs.mkdirSync(d, { recursive: true });
  madeDirs.add(d);
}

// Write `size` bytes of file content described by entry e to fd.
function writeContent(fd, e, size, salt = '') {
  const CH = 4 * MiB;
  if (e.kind in TEXT) {
    const r = makeRng('text', e.path, salt);
    const next = TEXT[e.kind](r, e.ctx ?? {});
    let left = size;
    let buf = '';
    while (left > 0) {
      while (buf.length < Math.min(left, CH)) buf += next();
      const take = Math.min(left, CH);
      fs.writeSync(fd, buf.slice(0, take), null, 'latin1');
      buf = buf.slice(take);
      left -= take;
    }
  } else { // incompressible, optional magic header
    const ks = keystream('bytes', e.path, salt);
    const magic = MAGIC[e.kind] ?? Buffer.alloc(0);
    let left = size;
    if (magic.length && left > magic.length) { fs.writeSync(fd, magic); left -= magic.length; }
    while (left > 0) { const n = Math.min(left, CH); fs.writeSync(fd, ks(n)); left -= n; }
  }
}

function writeFile(root, e, salt = '') {
  const p = path.join(root, e.path);
  ensureDir(path.dirname(p));
  if (e.dupOf) {
    fs.copyFileSync(path.join(root, e.dupOf), p);
  } else {
    const fd = fs.openSync(p, 'w');
    writeContent(fd, e, e.size, salt);
    fs.closeSync(fd);
  }
  fs.utimesSync(p, e.mtime, e.mtime);
}

// ---------------------------------------------------------------- manifest
const smallSize = (r) => Math.floor(KiB * 64 ** r.f()); // log-uniform 1..64 KiB
const mediumSize = (r) => Math.floor(MiB + 9 * MiB * r.f() ** 4); // 1..10 MiB, skewed small
const oldMtime = (r) => BASE_TIME - r.int(365 * 86400);

function manifest() {
  const r = makeRng('manifest');
  const small = [];
  const medium = [];
  const large = [];
  const add = (list, p, kind, size) => { const e = { path: p, kind, size, mtime: oldMtime(r) }; list.push(e); return e; };
  // config/: 300 text files
  const cfgDirs = ['config', 'config/app', 'config/app/plugins', 'config/nginx/sites-enabled', 'config/systemd', 'config/certs/ca'];
  for (let i = 0; i < count(300); i++) {
    const ext = r.pick(['yml', 'yml', 'json', 'conf', 'ini']);
    add(small, `${r.pick(cfgDirs)}/${word(r)}-${i}.${ext}`, ext === 'json' ? 'json' : 'config', smallSize(r));
  }
  // uploads/YYYY/MM/uNNN/: 12,000 images (incompressible)
  for (let i = 0; i < count(12000); i++) {
    const ext = r.pick(['jpeg', 'jpeg', 'jpeg', 'png']);
    add(small, `uploads/${2019 + r.int(6)}/${pad2(1 + r.int(12))}/u${String(r.int(40)).padStart(3, '0')}/img_${i}.${ext === 'jpeg' ? 'jpg' : 'png'}`, ext, smallSize(r));
  }
  // output/site/...: 9,000 generated pages (compressible)
  for (let i = 0; i < count(9000); i++) {
    const kind = r.f() < 0.7 ? 'html' : 'json';
    add(small, `output/site/${word(r).slice(0, 1)}/${r.pick(['blog', 'docs', 'tags', 'users', 'api'])}/${i}-${word(r)}.${kind}`, kind, smallSize(r));
  }
  // output/thumbs/a/b/: 4,000 thumbnails (incompressible)
  for (let i = 0; i < count(4000); i++) {
    const h = r.hex(8);
    add(small, `output/thumbs/${h.slice(0, 1)}/${h.slice(1, 2)}/${h}-${i}.webp`, 'webp', smallSize(r));
  }
  // data/users/shard/: 4,200 JSON records (compressible)
  for (let i = 0; i < count(4200); i++) {
    add(small, `data/users/${String(r.int(16)).padStart(2, '0')}/${String(r.int(16)).padStart(2, '0')}/user-${i}.json`, 'json', smallSize(r));
  }
  // 500 duplicate uploads (same bytes under another name), counted in the 30,000
  for (let i = 0; i < count(500); i++) {
    const src = small[count(300) + r.int(count(12000))];
    const e = add(small, `uploads/shared/${String(i % 50).padStart(2, '0')}/copy-${i}-${path.basename(src.path)}`, src.kind, src.size);
    e.dupOf = src.path;
  }
  // ---- medium: 200 files, 100 compressible + 100 incompressible
  for (const lg of ['app', 'access']) {
    for (let i = 0; i < count(10); i++) {
      add(medium, `logs/${lg}.log${i ? '.' + i : ''}`, lg === 'app' ? 'applog' : 'access', mediumSize(r));
    }
  }
  for (let i = 0; i < count(40); i++) add(medium, `exports/${2022 + (i % 3)}/export-${i}-${word(r)}.csv`, 'csv', mediumSize(r));
  for (let i = 0; i < count(40); i++) add(medium, `output/reports/${pad2(1 + (i % 12))}/report-${i}.${i % 2 ? 'html' : 'json'}`, i % 2 ? 'html' : 'json', mediumSize(r));
  for (let i = 0; i < count(50); i++) add(medium, `attachments/${2020 + (i % 5)}/${word(r)}-${i}.pdf`, 'pdf', mediumSize(r));
  for (let i = 0; i < count(30); i++) add(medium, `media/photos/${2021 + (i % 4)}/IMG_${4000 + i}.raw`, 'raw', mediumSize(r));
  for (let i = 0; i < count(16); i++) add(medium, `archives/${word(r)}-${i}.zip`, 'zip', mediumSize(r));
  for (let i = 0; i < count(4); i++) {
    const src = medium[(100 + i * 7) % medium.length];
    const e = add(medium, `attachments/inbox/fwd-${i}-${path.basename(src.path)}`, src.kind, src.size);
    e.dupOf = src.path;
  }
  // ---- large: 4 files, 1 compressible
  add(large, 'db/dump.sql', 'sql', Math.round(180 * MiB * SCALE));
  add(large, 'media/video/recording-2024-03.mp4', 'mp4', Math.round(110 * MiB * SCALE));
  add(large, 'vm/images/disk0.img', 'raw', Math.round(130 * MiB * SCALE));
  add(large, 'archives/backup-2023.tar.gz', 'gz', Math.round(100 * MiB * SCALE));
  return { small, medium, large };
}

function setDirTimes(root) {
  // deterministic directory mtimes (children first)
  const walk = (d) => {
    for (const ent of fs.readdirSync(d, { withFileTypes: true })) if (ent.isDirectory()) walk(path.join(d, ent.name));
    fs.utimesSync(d, BASE_TIME, BASE_TIME);
  };
  walk(root);
}

function generate(root) {
  if (fs.existsSync(root) && fs.readdirSync(root).length) throw new Error(`${root} exists and is not empty`);
  const m = manifest();
  let bytes = 0;
  let n = 0;
  for (const list of [m.small, m.medium, m.large]) {
    for (const e of list) { writeFile(root, e); bytes += e.size; n++; }
  }
  setDirTimes(root);
  console.log(`generated ${n} files, ${bytes} bytes (${(bytes / 2 ** 30).toFixed(3)} GiB) in ${root}`);
}

// n files of 0-2 KiB, half JSON text and half random bytes, spread evenly over 200 folders (20 of 10 each).
function generateTiny(root, n) {
  if (fs.existsSync(root) && fs.readdirSync(root).length) throw new Error(`${root} exists and is not empty`);
  const r = makeRng('tiny');
  let bytes = 0;
  for (let i = 0; i < n; i++) {
    const size = r.range(0, 2 * KiB);
    const folder = Math.floor((i * 200) / n);
    const p = `t${pad2(Math.floor(folder / 10))}/d${folder % 10}/f${i}.${i % 2 ? 'json' : 'bin'}`;
    const e = { path: p, kind: i % 2 ? 'json' : 'raw', size, mtime: oldMtime(r) };
    writeFile(root, e);
    bytes += size;
  }
  setDirTimes(root);
  console.log(`generated ${n} files, ${bytes} bytes in ${root}`);
}

// One file of mib MiB, written 4 MiB at a time from one keystream: the last MiB of every 4 keeps 4 bits of entropy
// per byte (each byte 0x40-0x4f), so zstd halves it; nothing repeats, so nothing deduplicates.
function generateBig(root, mib) {
  if (fs.existsSync(root) && fs.readdirSync(root).length) throw new Error(`${root} exists and is not empty`);
  ensureDir(root);
  const p = path.join(root, 'big.img');
  const ks = keystream('big');
  const fd = fs.openSync(p, 'w');
  for (let left = mib; left > 0; left -= 4) {
    const block = ks(Math.min(left, 4) * MiB);
    if (left >= 4) {
      const low = new Uint32Array(block.buffer, block.byteOffset + 3 * MiB, MiB / 4);
      for (let i = 0; i < low.length; i++) low[i] = (low[i] & 0x0f0f0f0f) | 0x40404040;
    }
    fs.writeSync(fd, block);
  }
  fs.closeSync(fd);
  fs.utimesSync(p, BASE_TIME, BASE_TIME);
  setDirTimes(root);
  console.log(`generated ${p}: ${mib} MiB`);
}

function mutate(root, round = 1) {
  const m = manifest();
  // Round 1 is the original change (same bytes as before rounds existed); later rounds salt everything with N.
  const sfx = round === 1 ? '' : `-${round}`;
  const r = round === 1 ? makeRng('mutate') : makeRng('mutate', round);
  const stamp = () => MUT_TIME + (round - 1) * 86400 + r.int(3600);
  const firstNew = path.join(root, `uploads/2025/01/new${sfx}/img_new_0.jpg`);
  if (fs.existsSync(firstNew)) throw new Error(`${root} looks already mutated (${firstNew} exists)`);
  let changed = 0;
  // 1. append 15 MiB to each current log (every size here scales like the tree)
  for (const [p, kind] of [['logs/app.log', 'applog'], ['logs/access.log', 'access']]) {
    const fd = fs.openSync(path.join(root, p), 'a');
    const size = Math.round(15 * MiB * SCALE);
    writeContent(fd, { path: p, kind, ctx: { start: MUT_TIME * 1000 } }, size, `append${sfx}`);
    fs.closeSync(fd);
    fs.utimesSync(path.join(root, p), stamp(), stamp());
    changed += size;
  }
  // 2. rewrite 1% of small files (300): new content, new size
  for (let i = 37 + round - 1; i < m.small.length; i += 100) {
    const e = m.small[i];
    const size = smallSize(r);
    const fd = fs.openSync(path.join(root, e.path), 'w');
    writeContent(fd, e, size, `rewrite${sfx}`);
    fs.closeSync(fd);
    fs.utimesSync(path.join(root, e.path), stamp(), stamp());
    changed += size;
  }
  // 3. insert 1 MiB of new SQL rows at the line boundary nearest the middle of db/dump.sql
  {
    const p = path.join(root, 'db/dump.sql');
    const fd = fs.openSync(p, 'r+');
    const size = fs.fstatSync(fd).size;
    let mid = Math.floor(size / 2);
    const probe = Buffer.alloc(64 * KiB);
    fs.readSync(fd, probe, 0, probe.length, mid);
    mid += probe.indexOf(10) + 1;
    const tail = Buffer.alloc(size - mid);
    fs.readSync(fd, tail, 0, tail.length, mid);
    const insert = Math.round(MiB * SCALE);
    const ins = Buffer.alloc(insert);
    const r2 = round === 1 ? makeRng('text', 'db/dump.sql', 'insert') : makeRng('text', 'db/dump.sql', 'insert', round);
    const next = TEXT.sql(r2, { startId: 90000000 + (round - 1) * 1000000 });
    let s = '';
    while (s.length < insert) s += next();
    const cut = s.lastIndexOf('\n', insert - 1) + 1;
    ins.write(s.slice(0, cut), 'latin1');
    fs.writeSync(fd, ins, 0, cut, mid);
    fs.writeSync(fd, tail, 0, tail.length, mid + cut);
    fs.closeSync(fd);
    fs.utimesSync(p, stamp(), stamp());
    changed += cut;
  }
  // 4. add 500 new files: 490 small, 10 medium
  for (let i = 0; i < count(490); i++) {
    const e = i % 2 === 0
      ? { path: i === 0 ? `uploads/2025/01/new${sfx}/img_new_0.jpg` : `uploads/2025/${pad2(1 + (i % 3))}/new${sfx}/img_new_${i}.jpg`, kind: 'jpeg' }
      : { path: `output/site/new${sfx}/${r.pick(['blog', 'docs'])}/${i}-${word(r)}.html`, kind: 'html' };
    e.size = smallSize(r);
    e.mtime = stamp();
    writeFile(root, e, `new${sfx}`);
    changed += e.size;
  }
  for (let i = 0; i < count(10); i++) {
    const e = i % 2 ? { path: `exports/2025/export-new${sfx}-${i}.csv`, kind: 'csv' } : { path: `attachments/2025/new${sfx}-${i}.pdf`, kind: 'pdf' };
    e.size = mediumSize(r);
    e.mtime = stamp();
    writeFile(root, e, `new${sfx}`);
    changed += e.size;
  }
  // 5. delete 200 small files (disjoint from the rewritten ones)
  let deleted = 0;
  let delBytes = 0;
  for (let i = 71 + 2 * (round - 1); i < m.small.length; i += 150) {
    // A later round may meet a file an earlier one deleted (and another rewrote: then it is back).
    if (!fs.existsSync(path.join(root, m.small[i].path))) continue;
    fs.rmSync(path.join(root, m.small[i].path));
    deleted++;
    delBytes += m.small[i].size;
  }
  console.log(`mutated ${root}: ${changed} bytes written/appended/inserted (${(changed / MiB).toFixed(1)} MiB), ${deleted} files (${(delBytes / MiB).toFixed(1)} MiB) deleted`);
}

// The same bytes for the same size, to a file or (FILE `-`) to standard output, like a dump tool.
function generateDump(file, mib) {
  const e = { path: 'dump.sql', kind: 'sql', size: mib * MiB, mtime: BASE_TIME };
  if (file === '-') return writeContent(1, e, e.size);
  const p = path.resolve(file);
  const fd = fs.openSync(p, 'w');
  writeContent(fd, e, e.size);
  fs.closeSync(fd);
  console.log(`generated ${p}: ${mib} MiB of SQL`);
}

const [cmd, dir, n] = process.argv.slice(2);
const defaults = { generate: 1, mutate: 1, tiny: 200000, big: 4096, dump: 256 };
const arg = n === undefined ? defaults[cmd] : Number(n);
if (!dir || !Object.hasOwn(defaults, cmd) || !(Number.isInteger(arg) && arg >= 1)) {
  console.error('usage: node dataset.mjs generate DIR | mutate DIR [N] | tiny DIR [FILES] | big DIR [MiB] | dump FILE [MiB]');
  process.exit(2);
}
if (cmd === 'dump') generateDump(dir, arg);
else ({ generate, mutate, tiny: generateTiny, big: generateBig })[cmd](path.resolve(dir), arg);
