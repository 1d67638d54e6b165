/**
 * Events per second over the last `windowSeconds`, one bucket per second. Recording is O(1) so it can sit
 * on hot paths (every message, every batch).
 */
export class SlidingWindowRate {
  private readonly buckets: Float64Array;
  private readonly seconds: Float64Array;

  constructor(
    private readonly windowSeconds = 5,
    private readonly now: () => number = Date.now,
  ) {
    this.buckets = new Float64Array(windowSeconds);
    this.seconds = new Float64Array(windowSeconds).fill(-1);
  }

  record(amount = 1): void {
    const second = Math.floor(this.now() / 1000);
    const slot = second % this.windowSeconds;
    if (this.seconds[slot] !== second) {
      this.seconds[slot] = second;
      this.buckets[slot] = 0;
    }
    this.buckets[slot]! += amount;
  }

  /** Average per second over the completed window, counting the current second too. */
  perSecond(): number {
    const second = Math.floor(this.now() / 1000);
    let sum = 0;
    for (let i = 0; i < this.windowSeconds; i++) {
      const s = this.seconds[i]!;
      if (s > second - this.windowSeconds && s <= second) sum += this.buckets[i]!;
    }
    return sum / this.windowSeconds;
  }
}
