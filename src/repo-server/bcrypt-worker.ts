/**
 * bcrypt checks on one worker thread, taken in turns per client address, and clients with recent failures only
 * when no other client waits: a password-guessing client delays only itself. bcryptjs is pure JavaScript (~0.1-0.4 s per check): on the event
 * loop it would stall every request.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/** The worker's code: CommonJS (eval), loading bcryptjs from the path resolved here. */
const WORKER_CODE = `
const { parentPort, workerData } = require('node:worker_threads');
const bcrypt = require(workerData);
parentPort.on('message', ({ id, password, hash }) => {
  let ok = false;
  try { ok = bcrypt.compareSync(password, hash); } catch {}
  parentPort.postMessage({ id, ok });
});
`;

interface Job {
  id: number;
  client: string;
  password: string;
  hash: string;
  resolve: (ok: boolean) => void;
  reject: (err: Error) => void;
}

export class BcryptChecker {
  private worker: Worker | undefined;
  /** Waiting checks per client, in the order the clients take turns. */
  private readonly queues = new Map<string, Job[]>();
  private running: Job | undefined;
  private nextId = 0;
  private closed = false;

  constructor(private readonly suspect: (client: string) => boolean) {}

  /** Whether `password` matches the bcrypt `hash`, checked in `client`'s turn. */
  check(hash: string, password: string, client: string): Promise<boolean> {
    if (this.closed) return Promise.resolve(false);
    return new Promise((resolve, reject) => {
      const queue = this.queues.get(client) ?? [];
      queue.push({ id: this.nextId++, client, password, hash, resolve, reject });
      this.queues.set(client, queue);
      this.pump();
    });
  }

  /** The next check: the first client in turn without recent failures, else the first in turn. */
  private next(): Job | undefined {
    let pick: string | undefined;
    for (const client of this.queues.keys()) {
      pick ??= client;
      if (!this.suspect(client)) {
        pick = client;
        break;
      }
    }
    if (pick === undefined) return undefined;
    const queue = this.queues.get(pick)!;
    const job = queue.shift()!;
    // To the back of the line.
    this.queues.delete(pick);
    if (queue.length > 0) this.queues.set(pick, queue);
    return job;
  }

  private start(): Worker {
    const bcryptPath = createRequire(import.meta.url).resolve('bcryptjs');
    const w = new Worker(WORKER_CODE, { eval: true, workerData: bcryptPath });
    w.on('message', (msg: { id: number; ok: boolean }) => {
      const job = this.running;
      this.running = undefined;
      if (job?.id === msg.id) job.resolve(msg.ok);
      this.pump();
    });
    w.on('error', (err: Error) => {
      this.running?.reject(err);
      this.running = undefined;
    });
    w.on('exit', () => {
      this.worker = undefined;
      this.running?.reject(new Error('The password-check thread stopped.'));
      this.running = undefined;
      this.pump();
    });
    return w;
  }

  private pump(): void {
    if (this.running || this.closed) return;
    const job = this.next();
    if (!job) {
      this.worker?.unref();
      return;
    }
    this.worker ??= this.start();
    this.worker.ref();
    this.running = job;
    this.worker.postMessage({ id: job.id, password: job.password, hash: job.hash });
  }

  /** Answers every waiting check with "no" and stops the thread. */
  async close(): Promise<void> {
    this.closed = true;
    for (const queue of this.queues.values()) for (const job of queue) job.resolve(false);
    this.queues.clear();
    const w = this.worker;
    this.worker = undefined;
    if (w) await w.terminate();
    this.running?.resolve(false);
    this.running = undefined;
  }
}
