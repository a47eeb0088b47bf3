import type { Clock } from '../../src/domain/clock';

/** Real time moved forward by `offsetMs`: the whole system (gateway, simulator) lives a little later. */
export class ShiftedClock implements Clock {
  offsetMs = 0;
  now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }
}
