import type { Logger } from '../services/deps';

/** A background pass run at start-up and then every interval; passes never overlap in a process. */
export interface PeriodicJob<R> {
  /** One pass now (joins the one in progress, if any). */
  runOnce(): Promise<R>;
  /** Stops the timer and waits for a pass in progress. */
  stop(): Promise<void>;
}

/**
 * Runs `pass` now and every `intervalMs`. A failing pass is logged and answers `idle`; the timer
 * does not keep the process alive.
 */
export function startPeriodic<R>(options: { name: string; intervalMs: number; logger: Logger; pass: (stopping: () => boolean) => Promise<R>; idle: R }): PeriodicJob<R> {
  let running: Promise<R> | null = null;
  let stopped = false;
  const runOnce = () => {
    running ??= options
      .pass(() => stopped)
      .catch((err: unknown) => {
        options.logger.error({ err: err instanceof Error ? err.message : String(err) }, `${options.name} pass failed`);
        return options.idle;
      })
      .finally(() => {
        running = null;
      });
    return running;
  };
  const timer = setInterval(() => {
    if (!stopped) void runOnce();
  }, options.intervalMs);
  timer.unref();
  void runOnce();
  return {
    runOnce,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
