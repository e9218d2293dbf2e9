import { describe, it } from 'vitest';
import { sourceCases, type SourceFixture } from './cases.js';

/** Registers the Source contract suite (cases.ts) with vitest for one implementation. */
export function runSourceConformance(name: string, fixture: SourceFixture): void {
  describe(`Source conformance: ${name}`, () => {
    for (const c of sourceCases) {
      it.skipIf(c.needsFailing === true && fixture.openFailing === undefined)(c.name, () => c.run(fixture));
    }
  });
}
