/**
 * @module source/stream
 * Sources of one streamed file: standard input (`backup --stdin`) and a program's output
 * (`backup --stdin-from-command`, run in its own process group by `source/child.ts`). Only registry.ts and tests
 * import this folder.
 */
export { StreamSource, watchStream } from './stream-source.js';
export { stdinSource } from './stdin.js';
export { commandSource } from './command.js';
