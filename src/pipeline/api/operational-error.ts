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

  clear(): void {
    this.entries.length = 0;
    this.total = 0;
  }
}
