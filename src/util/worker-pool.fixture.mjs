// Test worker for worker-pool.test.ts (plain JS: vitest cannot start .ts workers). Doubles numbers; fails on 'boom';
// dies on 'exit' (process.exit in the thread: no error event, only an exit) and on 'throw' (an uncaught error); { delay, value } answers after a while; 'who' answers with the thread's id.
import { setTimeout } from 'node:timers';
import { parentPort, threadId, workerData } from 'node:worker_threads';

parentPort.on('message', (msg) => {
  const body = msg.body;
  if (body === 'boom') parentPort.postMessage({ job: msg.job, error: 'asked to fail' });
  else if (body === 'exit') process.exit(7);
  else if (body === 'who') parentPort.postMessage({ job: msg.job, body: threadId });
  else if (body === 'throw') throw new Error('uncaught in the worker');
  else if (typeof body === 'object') setTimeout(() => parentPort.postMessage({ job: msg.job, body: body.value * workerData.factor }), body.delay);
  else parentPort.postMessage({ job: msg.job, body: body * workerData.factor });
});
