/**
 * bcrypt checks on two worker threads. Clients take turns, each has at most one check running, and clients with
 * recent failures go only when no other client waits: a password-guessing client occupies at most one thread, so
 * the other is free for everyone else. bcryptjs is pure JavaScript (~0.1-0.4 s per check): on the event loop it
 * would stall every request.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/** The worker's code: CommonJS (eval), loading bcryptjs from the path resolved here. */
const WORKER_CODE = `
const { parentPort, workerData } = require('node:worker_threads');
const bcrypt = require(workerData);
parentPort.on('message', ({ password, hash }) => {
  let ok = false;
  try { ok = bcrypt.compareSync(password, hash); } catch {}
  parentPort.postMessage(ok);
});
`;

const THREADS = 2;

interface Job {
  client: string;
  password: string;
  hash: string;
  resolve: (ok: boolean) => void;
}

interface Slot {
  worker: Worker | undefined;
  job: Job | undefined;
}

export class BcryptChecker {
  private readonly slots: Slot[] = Array.from({ length: THREADS }, () => ({
    worker: undefined,
    job: undefined,
  }));
  /** Waiting checks per client, in the order the clients take turns. */
  private readonly queues = new Map<string, Job[]>();
  private closed = false;

  constructor(private readonly suspect: (client: string) => boolean) {}

  /** Whether `password` matches the bcrypt `hash`, checked in `client`'s turn. */
  check(hash: string, password: string, client: string): Promise<boolean> {
    if (this.closed) return Promise.resolve(false);
    return new Promise((resolve) => {
      const queue = this.queues.get(client) ?? [];
      queue.push({ client, password, hash, resolve });
      this.queues.set(client, queue);
      this.pump();
    });
  }

  /** The next check: the first client in turn with nothing running, preferring those without recent failures. */
  private next(): Job | undefined {
    const busy = new Set(this.slots.map((s) => s.job?.client));
    let pick: string | undefined;
    for (const client of this.queues.keys()) {
      if (busy.has(client)) continue;
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

  private start(slot: Slot): Worker {
    const bcryptPath = createRequire(import.meta.url).resolve('bcryptjs');
    const w = new Worker(WORKER_CODE, { eval: true, workerData: bcryptPath });
    const finish = (ok: boolean): void => {
      const job = slot.job;
      slot.job = undefined;
      job?.resolve(ok);
      this.pump();
    };
    w.on('message', (ok: boolean) => finish(ok));
    // A thread that dies answers its check with "no" and is replaced on the next check.
    w.on('error', () => undefined);
    w.on('exit', () => {
      slot.worker = undefined;
      finish(false);
    });
    return w;
  }

  private pump(): void {
    if (this.closed) return;
    for (const slot of this.slots) {
      if (slot.job) continue;
      const job = this.next();
      if (!job) {
        slot.worker?.unref();
        continue;
      }
      slot.worker ??= this.start(slot);
      slot.worker.ref();
      slot.job = job;
      slot.worker.postMessage({ password: job.password, hash: job.hash });
    }
  }

  /** Answers every waiting check with "no" and stops the threads. */
  async close(): Promise<void> {
    this.closed = true;
    for (const queue of this.queues.values()) for (const job of queue) job.resolve(false);
    this.queues.clear();
    await Promise.all(this.slots.map(async (s) => s.worker?.terminate()));
    for (const s of this.slots) {
      s.job?.resolve(false);
      s.job = undefined;
    }
  }
}
