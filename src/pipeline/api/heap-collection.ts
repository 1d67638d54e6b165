/**
 * A full collection of the calling isolate's heap, for threads that produce a steady trickle of old-generation
 * garbage (the engine worker, the node's main thread): V8 lets such a heap grow to several times what is live
 * before it collects, and the pages stay with the process. Collected every few seconds instead, the heap stays
 * near its live size; a collection of a few tens of MB takes a few ms.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

let gc: (() => void) | undefined | null = null;

export function collectHeap(): void {
  if (gc === null) {
    // Exposes `gc` to contexts created from now on; a new context hands it to this isolate.
    setFlagsFromString('--expose-gc');
    gc = runInNewContext('gc') as (() => void) | undefined;
  }
  gc?.();
}
