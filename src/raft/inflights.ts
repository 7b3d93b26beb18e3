// A bounded window of in-flight append messages to one follower, identified by the last index
// each carried; acknowledgements free everything up to an index.

export class Inflights {
  private readonly buffer: number[] = [];
  constructor(readonly capacity: number) {}

  add(lastIndex: number): void { this.buffer.push(lastIndex); }
  full(): boolean { return this.buffer.length >= this.capacity; }
  count(): number { return this.buffer.length; }

  /** Frees every message whose last index is <= index. */
  freeLE(index: number): void {
    let n = 0;
    while (n < this.buffer.length && this.buffer[n] <= index) n++;
    if (n > 0) this.buffer.splice(0, n);
  }
  freeFirstOne(): void { this.buffer.shift(); }
  reset(): void { this.buffer.length = 0; }
}
