// Test worker for sealer.test.ts (plain JS: vitest cannot start .ts workers). "Seals" by returning the blobs as they
// are; a request whose first byte is 0xee makes the thread exit, one whose first byte is 0xdd is answered late.
import { setTimeout } from 'node:timers';
import { parentPort } from 'node:worker_threads';

parentPort.on('message', (msg) => {
  const req = msg.body;
  const first = new Uint8Array(req.blobs[0].buffer, req.blobs[0].offset, 1)[0];
  if (first === 0xee) process.exit(5);
  const out = req.blobs[0].buffer;
  const body = { job: req.job, out, parts: req.blobs.map((b) => ({ offset: b.offset, length: b.length })) };
  const answer = () => parentPort.postMessage({ job: msg.job, body }, [out]);
  if (first === 0xdd) setTimeout(answer, 300);
  else answer();
});
