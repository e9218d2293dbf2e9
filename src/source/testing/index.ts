/**
 * @module source/testing
 * The conformance suite every Source passes: the contract of source.ts (name order, errors reported not thrown,
 * streams whose `done` rejects when their producer fails, close) as framework-free cases (`sourceCases`) and as a
 * vitest suite (`runSourceConformance`).
 */
export { runSourceConformance } from './conformance.js';
export { sourceCases } from './cases.js';
export type { SourceCase, SourceFixture } from './cases.js';
