import fs from 'node:fs';
import net from 'node:net';
import type { StdinSpec } from '../spec.js';
import { StreamSource, watchStream } from './stream-source.js';

/** `backup --stdin`: one file node named `filename` holding standard input (or the given stream). */
export function stdinSource(spec: StdinSpec): StreamSource {
  // Node's standard input is a socket (pipe, terminal) or a file stream: every read is a new buffer of its own.
  const fresh = spec.stream instanceof net.Socket || spec.stream instanceof fs.ReadStream;
  return new StreamSource(spec.filename, () => ({ ...watchStream(spec.stream), freshPieces: fresh }));
}
