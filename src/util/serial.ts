// Runs async tasks one at a time, in the order they were queued. A failed task rejects
// its own promise only: the queue goes on with the next one.
export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(task: () => Promise<T> | T): Promise<T> {
    const result = this.tail.then(task);
    this.tail = result.catch(() => undefined);
    return result;
  }

  /** Resolves once every task queued so far has settled; never rejects. */
  idle(): Promise<void> {
    return this.tail.then(() => undefined);
  }
}

// One SerialQueue per key (tasks on one key run in order, keys run concurrently); a key's
// queue is dropped once it has nothing left to run.
export class KeyedSerialQueue {
  private readonly tails = new Map<string, Promise<unknown>>();

  run<T>(key: string, task: () => Promise<T> | T): Promise<T> {
    const prev = this.tails.get(key) ?? Promise.resolve();
    const result = prev.then(task);
    const settled = result.catch(() => undefined);
    this.tails.set(key, settled);
    void settled.then(() => {
      if (this.tails.get(key) === settled) this.tails.delete(key);
    });
    return result;
  }

  /** Resolves once every task queued so far, on any key, has settled; never rejects. */
  async idle(): Promise<void> {
    await Promise.all([...this.tails.values()]);
  }
}
