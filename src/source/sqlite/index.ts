/**
 * @module source/sqlite
 * SQLite databases: an online-consistent copy (backup API of node:sqlite, integrity-checked) as a source, and an
 * atomic replace as a restore target. Only registry.ts and tests import this folder.
 */
export { SqliteSource } from './sqlite-source.js';
export { sqliteTarget } from './sqlite-target.js';
