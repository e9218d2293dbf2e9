import { describe, expect, it } from 'vitest';
import { isCairnError } from '../../core/index.js';
import { DEFAULT_CONNECTIONS, parseS3Location, s3Connections } from './location.js';

const parse = (url: string, options: Record<string, string> = {}, env: Record<string, string> = {}) =>
  parseS3Location(url, options, env);

function rejection(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (isCairnError(err, 'invalid-argument')) return err.message;
    throw err;
  }
  throw new Error('expected an invalid-argument error');
}

describe('S3 URL forms', () => {
  it('s3:s3.amazonaws.com/bucket uses AWS by region, virtual-host style, no custom endpoint', () => {
    const c = parse('s3:s3.amazonaws.com/my-bucket');
    expect(c.endpoint).toBeUndefined();
    expect(c).toMatchObject({ bucket: 'my-bucket', prefix: '', region: 'us-east-1', forcePathStyle: false });
    expect(c.location).toBe('s3:https://s3.amazonaws.com/my-bucket');
  });

  it('a prefix may have several levels; extra slashes are dropped', () => {
    expect(parse('s3:s3.amazonaws.com/b-1/a/b/c').prefix).toBe('a/b/c');
    expect(parse('s3:s3.amazonaws.com/b-1/a//b/').prefix).toBe('a/b');
    expect(parse('s3:s3.amazonaws.com/b-1/').prefix).toBe('');
  });

  it('s3:http://host:port/bucket/prefix is an S3-compatible server over plain HTTP, path style', () => {
    const c = parse('s3:http://127.0.0.1:9000/backups/host1');
    expect(c).toMatchObject({
      endpoint: 'http://127.0.0.1:9000',
      bucket: 'backups',
      prefix: 'host1',
      forcePathStyle: true,
      location: 's3:http://127.0.0.1:9000/backups/host1',
    });
  });

  it('s3:https://host/bucket uses HTTPS; s3:host/bucket too', () => {
    expect(parse('s3:https://minio.example.com/b-1').endpoint).toBe('https://minio.example.com');
    expect(parse('s3:minio.example.com:9000/b-1/p').endpoint).toBe('https://minio.example.com:9000');
    expect(parse('s3://minio.example.com/b-1').endpoint).toBe('https://minio.example.com');
  });

  it('a regional AWS endpoint names the region and keeps the endpoint', () => {
    const c = parse('s3:s3.eu-central-1.amazonaws.com/b-1');
    expect(c).toMatchObject({ region: 'eu-central-1', endpoint: 'https://s3.eu-central-1.amazonaws.com' });
    expect(c.forcePathStyle).toBe(false);
  });

  it('auto bucket lookup is virtual-host style for aliyuncs.com, path style elsewhere', () => {
    expect(parse('s3:oss-cn-hangzhou.aliyuncs.com/b-1').forcePathStyle).toBe(false);
    expect(parse('s3:https://storage.example.net/b-1').forcePathStyle).toBe(true);
  });

  it('rejects URLs without bucket, with a bad bucket name, with credentials or ".."', () => {
    expect(rejection(() => parse('s3:s3.amazonaws.com'))).toMatch(/names no bucket/);
    expect(rejection(() => parse('s3:http://127.0.0.1:9000/'))).toMatch(/names no bucket/);
    expect(rejection(() => parse('s3:host/b'))).toMatch(/not a valid S3 bucket name/);
    const secret = rejection(() => parse('s3:http://key:secret@host/bucket'));
    expect(secret).toMatch(/AWS_ACCESS_KEY_ID/);
    expect(secret).not.toContain('secret@');
    expect(rejection(() => parse('s3:host/bucket/a/../b'))).toMatch(/\.\./);
    expect(rejection(() => parse('s3:/bucket'))).toMatch(/no valid host/);
  });
});

describe('S3 options', () => {
  it('region: -o s3.region, then AWS_DEFAULT_REGION, then AWS_REGION, then us-east-1', () => {
    const url = 's3:http://h:1/bucket';
    expect(parse(url, { 's3.region': 'eu-west-3' }, { AWS_REGION: 'x-1' }).region).toBe('eu-west-3');
    expect(parse(url, {}, { AWS_DEFAULT_REGION: 'ap-south-1', AWS_REGION: 'x-1' }).region).toBe('ap-south-1');
    expect(parse(url, {}, { AWS_REGION: 'us-west-2' }).region).toBe('us-west-2');
    expect(parse(url).region).toBe('us-east-1');
  });

  it('bucket-lookup dns and path override auto; other values are rejected', () => {
    expect(parse('s3:http://h:1/bucket', { 's3.bucket-lookup': 'dns' }).forcePathStyle).toBe(false);
    expect(parse('s3:s3.amazonaws.com/bucket', { 's3.bucket-lookup': 'path' }).forcePathStyle).toBe(true);
    expect(rejection(() => parse('s3:h/bucket', { 's3.bucket-lookup': 'x' }))).toMatch(/auto, dns or path/);
  });

  it('connections defaults to 5 and must be a positive whole number', () => {
    expect(parse('s3:h/bucket').connections).toBe(DEFAULT_CONNECTIONS);
    expect(parse('s3:h/bucket', { 's3.connections': '12' }).connections).toBe(12);
    expect(s3Connections({ 's3.connections': '3' })).toBe(3);
    expect(rejection(() => parse('s3:h/bucket', { 's3.connections': '0' }))).toMatch(/whole number/);
    expect(rejection(() => parse('s3:h/bucket', { 's3.connections': 'many' }))).toMatch(/whole number/);
  });

  it('sse is AES256 or aws:kms; a KMS key id needs aws:kms', () => {
    expect(parse('s3:h/bucket', { 's3.sse': 'AES256' }).sse).toBe('AES256');
    const kms = parse('s3:h/bucket', { 's3.sse': 'aws:kms', 's3.sse-kms-key-id': 'arn:k' });
    expect(kms).toMatchObject({ sse: 'aws:kms', sseKmsKeyId: 'arn:k' });
    expect(rejection(() => parse('s3:h/bucket', { 's3.sse': 'des' }))).toMatch(/AES256 or aws:kms/);
    expect(rejection(() => parse('s3:h/bucket', { 's3.sse-kms-key-id': 'k' }))).toMatch(
      /needs -o s3.sse=aws:kms/,
    );
  });

  it('storage-class and list-objects-v1 are taken as given', () => {
    const c = parse('s3:h/bucket', { 's3.storage-class': 'STANDARD_IA', 's3.list-objects-v1': 'true' });
    expect(c).toMatchObject({ storageClass: 'STANDARD_IA', listObjectsV1: true });
    expect(rejection(() => parse('s3:h/bucket', { 's3.list-objects-v1': 'maybe' }))).toMatch(/true or false/);
  });

  it('rejects unknown s3.* keys and keys of other backends in one sentence listing the known ones', () => {
    const unknown = rejection(() => parse('s3:h/bucket', { 's3.foo': '1' }));
    expect(unknown).toMatch(/^Unknown option -o s3\.foo; known: s3\.region, .*s3\.sse-kms-key-id.*\.$/);
    expect(rejection(() => parse('s3:h/bucket', { 'sftp.key': 'x' }))).toMatch(
      /^Option -o sftp\.key does not apply to an S3 repository; known: /,
    );
  });
});
