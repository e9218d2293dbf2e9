import { parentPort, Worker, type ResourceLimits, type Transferable } from 'node:worker_threads';

/** What travels between a pool and its workers: a job number and the caller's request or answer. */
interface JobMessage<T> {
  job: number;
  body?: T;
  error?: string;
}

interface Slot {
  worker: Worker;
  /** Weight of the jobs this worker has not answered yet (what the least-loaded choice compares). */
  load: number;
  /** Jobs this worker has not answered yet. */
  running: number;
  /** The uncaught error that is ending this worker, if any (its 'exit' follows). */
  error?: Error;
}

interface Job<Res> {
  slot: Slot;
  weight: number;
  resolve: (r: Res) => void;
  reject: (e: Error) => void;
}

/** The rejection of a job whose worker died before answering it: nothing of that job can be trusted to have happened. */
export class WorkerCrashError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'WorkerCrashError';
  }
}

/** Replacements for dead workers, per worker of the pool, before the pool gives up (a worker that cannot start). */
const RESTARTS_PER_WORKER = 3;

/**
 * A fixed set of worker threads running one module; each `run` goes to the least-loaded worker and resolves with its
 * answer. Knows nothing about what the jobs do. A worker that dies (uncaught error, process.exit) fails only its own
 * jobs, and only once its thread has stopped — so none of them still runs — and is replaced by a new worker; after
 * too many deaths it is not, and once no worker is left every job fails.
 */
export class WorkerPool<Req, Res> {
  private readonly slots: Slot[] = [];
  private readonly jobs = new Map<number, Job<Res>>();
  private nextJob = 0;
  private restartsLeft: number;
  private closing = false;
  private failure: Error | undefined;
  private readonly workerUrl: URL;
  private readonly workerData: unknown;
  private readonly resourceLimits: ResourceLimits | undefined;

  constructor(workerUrl: URL, count: number, workerData?: unknown, resourceLimits?: ResourceLimits) {
    this.workerUrl = workerUrl;
    this.workerData = workerData;
    this.resourceLimits = resourceLimits;
    const n = Math.max(1, count);
    this.restartsLeft = n * RESTARTS_PER_WORKER;
    for (let i = 0; i < n; i++) this.slots.push(this.spawn());
  }

  /** Sends `req` to the least-loaded worker; `weight` (e.g. bytes) is what "load" counts, 1 per job by default. */
  run(req: Req, transfer: readonly Transferable[] = [], weight = 1): Promise<Res> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    const slot = this.slots.reduce((a, b) => (b.load < a.load ? b : a));
    const job = this.nextJob++;
    return new Promise<Res>((resolve, reject) => {
      const entry: Job<Res> = { slot, weight, resolve, reject };
      this.jobs.set(job, entry);
      slot.load += weight;
      // A busy worker keeps the process alive; an idle one does not (an unclosed pool never blocks exit).
      if (slot.running++ === 0) slot.worker.ref();
      const msg: JobMessage<Req> = { job, body: req };
      try {
        slot.worker.postMessage(msg, [...transfer]);
      } catch (err) {
        // Not sent (e.g. an untransferable buffer): the job must not wait in the table for an answer.
        this.jobs.delete(job);
        this.finished(entry);
        throw err;
      }
    });
  }

  private spawn(): Slot {
    const options = this.resourceLimits ? { workerData: this.workerData, resourceLimits: this.resourceLimits } : { workerData: this.workerData };
    const worker = new Worker(this.workerUrl, options);
    const slot: Slot = { worker, load: 0, running: 0 };
    worker.on('message', (msg: JobMessage<Res>) => this.settle(msg));
    worker.on('error', (err) => (slot.error ??= err));
    worker.on('exit', (code) => this.buried(slot, code));
    worker.unref();
    return slot;
  }

  private settle(msg: JobMessage<Res>): void {
    const entry = this.jobs.get(msg.job);
    if (entry === undefined) return;
    this.jobs.delete(msg.job);
    this.finished(entry);
    if (msg.error !== undefined) entry.reject(new Error(msg.error));
    else entry.resolve(msg.body as Res);
  }

  private finished(entry: Job<Res>): void {
    entry.slot.load -= entry.weight;
    if (--entry.slot.running === 0) entry.slot.worker.unref();
  }

  /** A worker's thread has stopped: its unanswered jobs fail, and a new worker takes its place. */
  private buried(slot: Slot, code: number): void {
    if (this.closing) return;
    const why = slot.error?.message ?? `it exited with code ${code}`;
    const err = new WorkerCrashError(`A worker thread died: ${why}.`, { cause: slot.error });
    const index = this.slots.indexOf(slot);
    if (this.restartsLeft-- > 0) this.slots[index] = this.spawn();
    else this.slots.splice(index, 1);
    if (this.slots.length === 0) this.failure = err;
    for (const [job, entry] of this.jobs) {
      if (entry.slot !== slot && this.failure === undefined) continue;
      this.jobs.delete(job);
      this.finished(entry);
      entry.reject(err);
    }
  }

  async close(): Promise<void> {
    this.closing = true;
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
    const err = new WorkerCrashError('The worker pool was closed before the job was answered.');
    for (const entry of this.jobs.values()) entry.reject(err);
    this.jobs.clear();
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
