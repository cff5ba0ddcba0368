/** Every deadline goes through a Clock so tests can move time (24 h windows). */
export interface Clock {
  now(): number;
}

/** A clock that runs with the wall clock plus an offset the tests may advance. */
export class OffsetClock implements Clock {
  constructor(
    private offsetMs = 0,
    private readonly wall: () => number = Date.now,
  ) {}
  now(): number {
    return this.wall() + this.offsetMs;
  }
  get offset(): number {
    return this.offsetMs;
  }
  advance(ms: number): number {
    this.offsetMs += ms;
    return this.offsetMs;
  }
}
