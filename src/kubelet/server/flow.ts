// Backpressure for output that crosses into a connection: the source is paused while
// too many of its chunks wait to be flushed, so a fast command (kubectl cp of a big
// tree, a download through port-forward) does not pile up in memory.

import type { Readable } from 'node:stream';

/** Writes a chunk and calls `flushed` once it has left (or can never leave). */
export type FlushingWrite = (chunk: Buffer, flushed: () => void) => void;

export function forwardWithBackpressure(source: Readable, write: FlushingWrite, highWaterChunks = 16): void {
  let pending = 0;
  let paused = false;
  source.on('data', (chunk: Buffer) => {
    pending++;
    write(chunk, () => {
      pending--;
      if (paused && pending <= highWaterChunks / 4) {
        paused = false;
        source.resume();
      }
    });
    if (!paused && pending >= highWaterChunks) {
      paused = true;
      source.pause();
    }
  });
}
