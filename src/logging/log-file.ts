/**
 * The detached node's log file: a pino destination that never blocks the process on a failing disk. pino's
 * own file stream retries a failed synchronous flush forever, and pino flushes synchronously after every
 * `fatal` line and at exit, so on a full disk (ENOSPC) one fatal line froze the daemon's event loop: its API
 * stopped answering and `node stop` needed SIGKILL.
 *
 * Lines are written synchronously (a few lines per second; a write to the page cache takes microseconds, and
 * a full disk fails at once rather than blocking). A line the disk refuses waits in memory, up to a bound,
 * and is retried with the next line or a second later; what does not fit is dropped and counted, and the count
 * is written once the disk takes lines again.
 */
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

/** Lines waiting for the disk beyond this are dropped (a full disk must not grow the node's memory). */
const DEFAULT_MAX_PENDING_BYTES = 4 * 1024 * 1024;
const RETRY_MS = 1000;

export class LogFile {
  private fd: number;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private retry: NodeJS.Timeout | undefined;
  /** Lines dropped since the last successful write. */
  private dropped = 0;
  /** The last write error, until a write succeeds again. */
  lastError: NodeJS.ErrnoException | undefined;

  constructor(
    private readonly path: string,
    private readonly maxPendingBytes = DEFAULT_MAX_PENDING_BYTES,
  ) {
    mkdirSync(dirname(path), { recursive: true });
    this.fd = openSync(path, 'a');
  }

  /** pino's destination interface: one JSON line. */
  write(line: string): boolean {
    const bytes = Buffer.from(line, 'utf8');
    if (this.pendingBytes + bytes.length > this.maxPendingBytes) this.dropped++;
    else {
      this.pending.push(bytes);
      this.pendingBytes += bytes.length;
    }
    this.flushSync();
    return true;
  }

  /** Writes what is pending; on an error the lines stay pending and a retry is scheduled. Never waits. */
  flushSync(): void {
    if (this.fd < 0 || this.pending.length === 0) return;
    try {
      if (this.dropped > 0) this.writeDroppedNote();
      while (this.pending.length > 0) {
        const head = this.pending[0]!;
        const n = writeSync(this.fd, head);
        this.pendingBytes -= n;
        if (n === head.length) this.pending.shift();
        else this.pending[0] = head.subarray(n);
      }
      this.lastError = undefined;
    } catch (err) {
      this.lastError = err as NodeJS.ErrnoException;
      this.retry ??= setTimeout(() => {
        this.retry = undefined;
        this.flushSync();
      }, RETRY_MS).unref();
    }
  }

  /** Opens the file again (after logrotate moved it). */
  reopen(): void {
    try {
      const fd = openSync(this.path, 'a');
      if (this.fd >= 0) closeSync(this.fd);
      this.fd = fd;
    } catch (err) {
      this.lastError = err as NodeJS.ErrnoException; // keep writing to the old descriptor
    }
  }

  /** One last attempt to write what is pending, then closes the file. */
  close(): void {
    clearTimeout(this.retry);
    this.retry = undefined;
    this.flushSync();
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }

  /** After lines were dropped: one line saying how many, ahead of the pending ones (throws like a write). */
  private writeDroppedNote(): void {
    const record = {
      level: 40,
      time: Date.now(),
      pid: process.pid,
      msg: `${this.dropped} log lines dropped: the log file's disk was full or failing`,
    };
    writeSync(this.fd, `${JSON.stringify(record)}\n`);
    this.dropped = 0;
  }
}
