/**
 * Who still holds a chunk read into a reused buffer (BufferPool). A cache or a caller that keeps the bytes, or
 * views into them, past one synchronous use retains the lease once and releases it once; the last release gives
 * the buffer back, and the next read may overwrite it. Holding too long only keeps a buffer from reuse, so a
 * holder that cannot tell when it is done simply never releases.
 */
import { EvochoraError } from '../../errors.js';
import { PipelineErrorCode } from '../error-codes.js';

export class ChunkLease {
  /** The reader that took the buffer holds the lease until it hands it on or releases it. */
  private holders = 1;

  constructor(private readonly giveBack: () => void) {}

  /** One more holder; refused once the last holder let go (the bytes may already belong to another read). */
  retain(): this {
    if (this.holders === 0) throw new ChunkLeaseReleasedError();
    this.holders++;
    return this;
  }

  release(): void {
    if (this.holders === 0) throw new ChunkLeaseReleasedError();
    if (--this.holders === 0) this.giveBack();
  }

  /** Whether every holder let go (the bytes may have been reused since). */
  get released(): boolean {
    return this.holders === 0;
  }
}

/** A program error: a chunk's bytes were retained or released after their last holder had let go. */
export class ChunkLeaseReleasedError extends EvochoraError {
  constructor() {
    super(
      PipelineErrorCode.CHUNK_LEASE_RELEASED,
      "A read chunk's bytes were taken again after their last holder gave them back to be reused.",
      { actions: ['This is a bug in evochora: report it with the command that ran.'] },
    );
  }
}
