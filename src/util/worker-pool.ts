import { parentPort, Worker, type ResourceLimits, type Transferable } from 'node:worker_threads';

/** What travels between a pool and its workers: a job number and the caller's request or answer. */
interface JobMessage<T> {
  job: number;
  body?: T;
  error?: string;
}

interface Slot {
  worker: Worker;
  outstanding: number;
}

/**
 * A fixed set of worker threads running one module; each `run` goes to the least-loaded worker and resolves with its
 * answer. Knows nothing about what the jobs do. A worker that crashes fails every job and the pool.
 */
export class WorkerPool<Req, Res> {
  private readonly slots: Slot[] = [];
  private readonly jobs = new Map<number, { slot: Slot; resolve: (r: Res) => void; reject: (e: Error) => void }>();
  private nextJob = 0;
  private failure: Error | undefined;

  constructor(workerUrl: URL, count: number, workerData?: unknown, resourceLimits?: ResourceLimits) {
    for (let i = 0; i < Math.max(1, count); i++) {
      const worker = new Worker(workerUrl, resourceLimits ? { workerData, resourceLimits } : { workerData });
      const slot: Slot = { worker, outstanding: 0 };
      worker.on('message', (msg: JobMessage<Res>) => this.settle(msg));
      worker.on('error', (err) => this.fail(err));
      worker.unref();
      this.slots.push(slot);
    }
  }

  run(req: Req, transfer: readonly Transferable[] = []): Promise<Res> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    const slot = this.slots.reduce((a, b) => (b.outstanding < a.outstanding ? b : a));
    const job = this.nextJob++;
    return new Promise<Res>((resolve, reject) => {
      this.jobs.set(job, { slot, resolve, reject });
      // A busy worker keeps the process alive; an idle one does not (an unclosed pool never blocks exit).
      if (slot.outstanding++ === 0) slot.worker.ref();
      const msg: JobMessage<Req> = { job, body: req };
      slot.worker.postMessage(msg, [...transfer]);
    });
  }

  private settle(msg: JobMessage<Res>): void {
    const entry = this.jobs.get(msg.job);
    if (entry === undefined) return;
    this.jobs.delete(msg.job);
    if (--entry.slot.outstanding === 0) entry.slot.worker.unref();
    if (msg.error !== undefined) entry.reject(new Error(msg.error));
    else entry.resolve(msg.body as Res);
  }

  private fail(err: unknown): void {
    this.failure = err instanceof Error ? err : new Error(String(err));
    for (const entry of this.jobs.values()) entry.reject(this.failure);
    this.jobs.clear();
  }

  async close(): Promise<void> {
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }
}

/**
 * Worker side of a WorkerPool: answers each job with `handle`'s result, transferring the buffers it names. A thrown
 * error travels back as its message.
 */
export function serveWorkerJobs<Req, Res>(handle: (req: Req) => { body: Res; transfer?: Transferable[] }): void {
  parentPort?.on('message', (msg: JobMessage<Req>) => {
    try {
      const { body, transfer } = handle(msg.body as Req);
      const reply: JobMessage<Res> = { job: msg.job, body };
      parentPort?.postMessage(reply, transfer ?? []);
    } catch (err) {
      parentPort?.postMessage({ job: msg.job, error: err instanceof Error ? err.message : String(err) });
    }
  });
}
