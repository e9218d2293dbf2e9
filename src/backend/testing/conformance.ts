import { afterEach, describe, it } from 'vitest';
import type { Backend } from '../backend.js';
import { conformanceCases } from './cases.js';

/**
 * Registers the Backend contract suite with vitest. `makeBackend` must return a fresh, empty, created backend for
 * each test (the suite calls `create()` itself too, which must be idempotent).
 */
export function runBackendConformance(name: string, makeBackend: () => Backend | Promise<Backend>): void {
  describe(`Backend conformance: ${name}`, () => {
    let current: Backend | undefined;
    afterEach(async () => {
      await current?.close();
      current = undefined;
    });
    for (const c of conformanceCases) {
      it(c.name, async () => {
        current = await makeBackend();
        await current.create();
        await c.run(current);
      });
    }
  });
}
