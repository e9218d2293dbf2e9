import { runBackendConformance } from '../testing/index.js';
import { MemBackend } from './mem.js';

runBackendConformance('MemBackend', () => new MemBackend());
