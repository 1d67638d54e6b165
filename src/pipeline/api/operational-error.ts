/** A recorded, non-fatal problem of a service or resource, shown in status output. */
export interface OperationalError {
  readonly timestamp: string;
  readonly code: string;
  readonly message: string;
  readonly details?: string;
}

/** Keeps the newest errors only, so a flapping resource cannot grow memory without bound. */
export class ErrorLog {
  private readonly entries: OperationalError[] = [];
  private total = 0;

  constructor(private readonly capacity = 1000) {}

  record(code: string, message: string, details?: string): void {
    this.total++;
    this.entries.push({ timestamp: new Date().toISOString(), code, message, ...(details ? { details } : {}) });
    if (this.entries.length > this.capacity) this.entries.shift();
  }

  list(): readonly OperationalError[] {
    return this.entries;
  }

  get count(): number {
    return this.total;
  }

  /** Removes the errors of `code` (a condition that has passed, such as a full disk with space again). */
  resolve(code: string): void {
    const before = this.entries.length;
    for (let i = this.entries.length - 1; i >= 0; i--) if (this.entries[i]!.code === code) this.entries.splice(i, 1);
    this.total -= before - this.entries.length;
  }

  clear(): void {
    this.entries.length = 0;
    this.total = 0;
  }
}
