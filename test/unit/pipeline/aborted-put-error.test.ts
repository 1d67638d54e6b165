import { describe, expect, it } from 'vitest';
import { abortedPutError } from '../../../src/pipeline/api/queue.js';
import { InMemoryQueue } from '../../../src/pipeline/resources/in-memory-queue.js';

describe('a put ended by its signal', () => {
  it("reports the caller's reason when it gave one, and 'stopping' for a bare abort", () => {
    const deadline = new AbortController();
    deadline.abort(new Error('no room for 5 s'));
    expect(abortedPutError(deadline.signal, () => new Error('stopping')).message).toBe('no room for 5 s');
    const bare = new AbortController();
    bare.abort();
    expect(abortedPutError(bare.signal, () => new Error('stopping')).message).toBe('stopping');
  });

  it('in the in-memory queue: a full queue rejects the waiting put with that error', async () => {
    const q = new InMemoryQueue<number>('q', { capacity: 1, maxBytes: 1 << 20 });
    await q.put(1);
    const c = new AbortController();
    const waiting = q.put(2, 0, c.signal);
    c.abort(new Error('gave up'));
    await expect(waiting).rejects.toThrow('gave up');
    const bare = new AbortController();
    const waiting2 = q.put(3, 0, bare.signal);
    bare.abort();
    await expect(waiting2).rejects.toMatchObject({ code: 'QUEUE_CLOSED' });
  });
});
