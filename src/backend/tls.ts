/**
 * The global TLS flags of restic for HTTPS backends (REST, S3): `--cacert FILE` (repeatable; these CAs replace the
 * system's, as in restic), `--insecure-tls` and `--tls-client-cert FILE` (certificate and private key in one PEM
 * file). Files are read once, when the backend is opened; a problem is one sentence.
 */
import fs from 'node:fs';
import tls from 'node:tls';
import { CairnError, errnoCode } from '../core/index.js';

/** The flags as given. */
export interface TlsFlags {
  caCertFiles?: readonly string[];
  insecure?: boolean;
  clientCertFile?: string;
}

/** What an https.Agent takes: PEM texts and the verification switch. */
export interface TlsSettings {
  ca?: string[];
  cert?: string;
  key?: string;
  rejectUnauthorized?: false;
}

function readPem(file: string, flag: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new CairnError('invalid-argument', `Cannot read ${flag} ${file} (${errnoCode(err) ?? 'error'}).`, { cause: err });
  }
}

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----[\s\S]*?-----END \1-----/g;

/** Reads the files the flags name; undefined when no flag is set. */
export function loadTlsSettings(flags: TlsFlags = {}): TlsSettings | undefined {
  const out: TlsSettings = {};
  for (const file of flags.caCertFiles ?? []) {
    const pem = readPem(file, '--cacert');
    if (!/-----BEGIN CERTIFICATE-----/.test(pem)) {
      throw new CairnError('invalid-argument', `--cacert ${file} holds no PEM certificate.`);
    }
    (out.ca ??= []).push(pem);
  }
  if (flags.clientCertFile !== undefined) {
    const pem = readPem(flags.clientCertFile, '--tls-client-cert');
    const blocks = [...pem.matchAll(PEM_BLOCK)];
    const certs = blocks.filter((b) => b[1] === 'CERTIFICATE').map((b) => b[0]);
    const key = blocks.find((b) => b[1]!.endsWith('PRIVATE KEY'))?.[0];
    if (certs.length === 0 || key === undefined) {
      throw new CairnError(
        'invalid-argument',
        `--tls-client-cert ${flags.clientCertFile} must hold a PEM certificate and its private key.`,
      );
    }
    out.cert = certs.join('\n');
    out.key = key;
  }
  if (flags.insecure === true) out.rejectUnauthorized = false;
  return Object.keys(out).length === 0 ? undefined : out;
}

/**
 * Agent options from the global settings and a backend's own extra CA file (`-o rest.cacert`, which adds to the
 * trusted CAs: to the system's, or to those of `--cacert`).
 */
export function tlsAgentOptions(settings: TlsSettings | undefined, extraCa?: string): tls.SecureContextOptions & { rejectUnauthorized?: boolean } {
  const o: tls.SecureContextOptions & { rejectUnauthorized?: boolean } = {};
  if (settings?.ca !== undefined || extraCa !== undefined) {
    o.ca = [...(settings?.ca ?? tls.rootCertificates), ...(extraCa !== undefined ? [extraCa] : [])];
  }
  if (settings?.cert !== undefined) o.cert = settings.cert;
  if (settings?.key !== undefined) o.key = settings.key;
  if (settings?.rejectUnauthorized === false) o.rejectUnauthorized = false;
  return o;
}
