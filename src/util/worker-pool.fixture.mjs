// Test worker for worker-pool.test.ts (plain JS: vitest cannot start .ts workers). Doubles numbers; fails on 'boom'.
import { parentPort, workerData } from 'node:worker_threads';

parentPort.on('message', (msg) => {
  if (msg.body === 'boom') parentPort.postMessage({ job: msg.job, error: 'asked to fail' });
  else parentPort.postMessage({ job: msg.job, body: msg.body * workerData.factor });
});
