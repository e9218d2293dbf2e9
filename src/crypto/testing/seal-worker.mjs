// Worker for seal.test.ts: loads the crypto room's TypeScript sources (Node's type stripping,
// './x.js' specifiers mapped to './x.ts'), seals the message it is given and posts the box back.
import { registerHooks } from 'node:module';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parentPort, workerData } from 'node:worker_threads';

registerHooks({
  resolve(specifier, context, next) {
    if (specifier.startsWith('.') && specifier.endsWith('.js') && context.parentURL?.endsWith('.ts')) {
      const ts = new URL(specifier.slice(0, -3) + '.ts', context.parentURL);
      if (existsSync(fileURLToPath(ts))) return next(ts.href, context);
    }
    return next(specifier, context);
  },
});

const crypto = await import(new URL('../index.ts', import.meta.url).href);
const key = crypto.keyFromBytes(workerData.keyBytes);
parentPort.postMessage({
  implementation: crypto.poly1305Implementation(),
  sealed: crypto.seal(key, workerData.plaintext),
});
