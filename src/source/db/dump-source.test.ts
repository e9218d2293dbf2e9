import { startCommand } from '../child.js';
import { runSourceConformance } from '../testing/index.js';
import { DumpSource } from './dump-source.js';

/** A server whose "dump tool" is the shell: the source's own logic runs as with mariadb-dump or pg_dump. */
const shellServer = (script: string) => ({
  kind: 'test',
  from: 'test://',
  probe: () =>
    Promise.resolve({
      server: 'sh',
      tool: 'sh',
      streams: ['a', 'b'].map((name) => ({ name: `${name}.sql`, start: (signal: AbortSignal) => startCommand('sh', ['-c', script], { signal, captureStderr: true }) })),
    }),
});

runSourceConformance('database dump', {
  open: () => new DumpSource(shellServer('printf "CREATE TABLE t;"'), undefined, '.sql'),
  openFailing: () => new DumpSource(shellServer('printf "CREATE"; echo "Lost connection" >&2; exit 2'), undefined, '.sql'),
});
