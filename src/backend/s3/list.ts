import { ListObjectsCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { CairnError } from '../../core/index.js';
import type { S3Config } from './location.js';
import type { S3Sender } from './multipart.js';

interface ListedObject {
  Key?: string;
  Size?: number;
}

interface ListPage {
  Name?: string;
  MaxKeys?: number;
  Contents?: ListedObject[];
  IsTruncated?: boolean;
  NextContinuationToken?: string;
  NextMarker?: string;
}

/**
 * Every object below `prefix`, page by page (1000 keys a page on AWS). With `delimiter` only the direct children;
 * without, all keys below (for `data/XX/…`). ListObjects v1 is there for old servers, as restic's
 * `-o s3.list-objects-v1`.
 */
export async function* listKeys(
  client: S3Sender,
  config: Pick<S3Config, 'bucket' | 'listObjectsV1'>,
  prefix: string,
  delimiter: boolean,
): AsyncGenerator<{ key: string; size: number }> {
  const base = { Bucket: config.bucket, Prefix: prefix, ...(delimiter ? { Delimiter: '/' } : {}) };
  let token: string | undefined;
  for (;;) {
    const page = (await client.send(
      config.listObjectsV1
        ? new ListObjectsCommand({ ...base, ...(token ? { Marker: token } : {}) })
        : new ListObjectsV2Command({ ...base, ...(token ? { ContinuationToken: token } : {}) }),
    )) as ListPage;
    // The SDK reads any 200 body leniently: an HTML page (a portal, a web server at the wrong port) becomes an empty
    // listing, which would look like an empty repository. Every S3 listing names its bucket and page size.
    if (page.Name === undefined && page.MaxKeys === undefined && page.IsTruncated === undefined) {
      throw new CairnError(
        'fatal',
        `The answer to the listing of ${config.bucket}/${prefix} is not an S3 listing; is the endpoint an S3 server?`,
      );
    }
    const contents = page.Contents ?? [];
    for (const o of contents) {
      if (o.Key !== undefined) yield { key: o.Key, size: o.Size ?? 0 };
    }
    if (!page.IsTruncated) return;
    // v1 servers without a delimiter may omit NextMarker; the last key of the page is the marker then.
    const next = config.listObjectsV1
      ? (page.NextMarker ?? contents.at(-1)?.Key)
      : page.NextContinuationToken;
    if (next === undefined || next === token) {
      throw new CairnError('fatal', `S3 cut the listing of ${prefix} short without saying where to go on.`);
    }
    token = next;
  }
}
