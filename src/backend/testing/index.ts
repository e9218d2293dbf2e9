/**
 * @module backend/testing
 * The conformance suite every Backend passes: the contract of backend.ts as runnable cases (`conformanceCases`,
 * framework-free, for a `doctor` command) and as a vitest suite (`runBackendConformance`).
 */
export { runBackendConformance } from './conformance.js';
export { conformanceCases } from './cases.js';
export type { ConformanceCase } from './cases.js';
