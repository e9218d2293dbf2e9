import type { StdinSpec } from '../spec.js';
import { StreamSource, watchStream } from './stream-source.js';

/** `backup --stdin`: one file node named `filename` holding standard input (or the given stream). */
export function stdinSource(spec: StdinSpec): StreamSource {
  return new StreamSource(spec.filename, () => watchStream(spec.stream));
}
