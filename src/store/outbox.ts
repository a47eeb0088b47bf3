/**
 * "Events were committed": the in-process signal that wakes the webhook worker right after a
 * transaction that wrote payment events (the outbox) commits, instead of at its next poll.
 *
 * Repositories that write events call `written()` on the notifier they were given: outside a
 * transaction that is after their own commit, so it signals at once; inside `Store.transaction`
 * the notifier belongs to that transaction and signals only once it has committed (a rolled-back
 * transaction signals nothing). Only a hint: the worker still polls, so a lost or early signal
 * only delays a webhook, and a spurious one costs one empty look.
 */
export interface OutboxNotifier {
  /** Events were written; they are (or will be, with the surrounding transaction) committed. */
  written(): void;
}

/** A notifier that tells no one (repositories made without a store, e.g. in tests). */
export const SILENT_OUTBOX: OutboxNotifier = { written() {} };

export class OutboxSignal {
  private readonly listeners = new Set<() => void>();

  /** For repositories outside a transaction: their writes are committed when they call it. */
  readonly direct: OutboxNotifier = { written: () => this.notify() };

  /** Calls `listener` after each commit that wrote events; returns the unsubscribe. */
  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** A notifier for one transaction: `committed()` signals if events were written in it. */
  transaction(): OutboxNotifier & { committed(): void } {
    let wrote = false;
    return {
      written: () => {
        wrote = true;
      },
      committed: () => {
        if (wrote) this.notify();
      },
    };
  }

  private notify(): void {
    for (const listener of this.listeners) {
      try {
        listener();
      } catch {
        // A listener's failure is its own; the commit happened.
      }
    }
  }
}
