/** @module backend/local A repository in a local folder, in restic's default layout. */
export { LocalBackend } from './local.js';
