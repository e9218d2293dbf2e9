import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/** One usable line of a known_hosts file. */
export interface KnownHostEntry {
  marker: 'revoked' | 'cert-authority' | undefined;
  /** The host field: a comma-separated pattern list, or one hashed name `|1|salt|hmac`. */
  hosts: string;
  keyType: string;
  key: Buffer;
  /** 1-based line number, for messages. */
  line: number;
}

export type HostKeyVerdict =
  | { kind: 'trusted' }
  | { kind: 'revoked' }
  /** A key of the same type is recorded for this host and differs: possibly an attack. */
  | { kind: 'changed'; line: number }
  /** Nothing recorded for this host and key type; `otherTypes` are the types that are recorded. */
  | { kind: 'unknown'; otherTypes: string[] };

/** Parses known_hosts text (OpenSSH's sshd(8) format). Malformed lines are skipped, as OpenSSH does. */
export function parseKnownHosts(text: string): KnownHostEntry[] {
  const out: KnownHostEntry[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const fields = raw.trim().split(/\s+/);
    if (fields[0] === undefined || fields[0] === '' || fields[0].startsWith('#')) return;
    let marker: KnownHostEntry['marker'];
    if (fields[0].startsWith('@')) {
      const m = fields.shift()!;
      if (m !== '@revoked' && m !== '@cert-authority') return;
      marker = m === '@revoked' ? 'revoked' : 'cert-authority';
    }
    const [hosts, keyType, b64] = fields;
    if (!hosts || !keyType || !b64 || !/^[A-Za-z0-9+/]+=*$/.test(b64)) return;
    const key = Buffer.from(b64, 'base64');
    // The blob starts with its own type name; a line whose blob disagrees is damaged.
    if (keyTypeOf(key) !== keyType) return;
    out.push({ marker, hosts, keyType, key, line: i + 1 });
  });
  return out;
}

/** The name OpenSSH looks up: `host` on port 22, `[host]:port` otherwise. */
export function knownHostsName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

/** The type name at the start of an SSH public key blob (`ssh-ed25519`…), or '' if it is not one. */
export function keyTypeOf(blob: Buffer): string {
  if (blob.length < 4) return '';
  const len = blob.readUInt32BE(0);
  if (len === 0 || len > 64 || 4 + len > blob.length) return '';
  return blob.subarray(4, 4 + len).toString('latin1');
}

/** OpenSSH's `SHA256:…` fingerprint (base64 without padding) of a public key blob. */
export function fingerprint(blob: Buffer): string {
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

/** OpenSSH's glob: `*` any run of characters, `?` one character; case-insensitive. */
function globMatch(pattern: string, name: string): boolean {
  const re = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${re}$`, 'i').test(name);
}

function hashedMatch(field: string, name: string): boolean {
  const parts = field.split('|');
  if (parts.length !== 4 || parts[1] !== '1') return false;
  const salt = Buffer.from(parts[2]!, 'base64');
  const want = Buffer.from(parts[3]!, 'base64');
  const got = createHmac('sha1', salt).update(name).digest();
  return want.length === got.length && timingSafeEqual(want, got);
}

/** Whether an entry's host field names `name`: a negated pattern that matches wins over any positive one. */
export function hostMatches(hosts: string, name: string): boolean {
  if (hosts.startsWith('|')) return hashedMatch(hosts, name);
  let positive = false;
  for (const pattern of hosts.split(',')) {
    if (pattern.startsWith('!')) {
      if (globMatch(pattern.slice(1), name)) return false;
    } else if (pattern !== '' && globMatch(pattern, name)) {
      positive = true;
    }
  }
  return positive;
}

/** Key types recorded for a host (plain entries only), for choosing which host key the server should show. */
export function knownKeyTypes(entries: KnownHostEntry[], name: string): string[] {
  const types = entries
    .filter((e) => e.marker === undefined && hostMatches(e.hosts, name))
    .map((e) => e.keyType);
  return [...new Set(types)];
}

/** OpenSSH's strict check of the key a server presented against the known_hosts entries for `name`. */
export function checkHostKey(entries: KnownHostEntry[], name: string, key: Buffer): HostKeyVerdict {
  const forHost = entries.filter((e) => hostMatches(e.hosts, name));
  if (forHost.some((e) => e.marker === 'revoked' && e.key.equals(key))) return { kind: 'revoked' };
  // Certificates are not supported, so @cert-authority lines neither trust nor distrust a plain key.
  const plain = forHost.filter((e) => e.marker === undefined);
  if (plain.some((e) => e.key.equals(key))) return { kind: 'trusted' };
  const type = keyTypeOf(key);
  const sameType = plain.find((e) => e.keyType === type);
  if (sameType) return { kind: 'changed', line: sameType.line };
  return { kind: 'unknown', otherTypes: [...new Set(plain.map((e) => e.keyType))] };
}
