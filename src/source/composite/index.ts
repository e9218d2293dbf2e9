/**
 * @module source/composite
 * Several sources as one snapshot: paths beside database dumps and command output, each kind under its folder, and
 * `/.cairn/sources.json` recording what each part is. Only registry.ts and tests import this folder.
 */
export { CompositeSource, METADATA_FOLDER } from './composite-source.js';
