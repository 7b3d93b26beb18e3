// The null Keel's client: puts made in one event-loop turn travel as one message and are answered by
// one reply, as Keel's client batches a turn's requests (src/client/request-mux.ts).
import type { NatsConnection } from 'nats';
import { Kind, SUBJECTS, frame, packFrames } from './skeleton-wire.js';

interface Waiting { frame: Uint8Array; resolve: () => void; reject: (err: unknown) => void }

export class FloorClient {
  private turn: Waiting[] = [];

  constructor(private readonly nc: NatsConnection, private readonly timeoutMs = 5000) {}

  put(key: string, value: Uint8Array): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.turn.push({ frame: frame(Kind.Put, 0, key, value), resolve, reject });
      if (this.turn.length === 1) setImmediate(() => this.send());
    });
  }

  async get(key: string): Promise<Uint8Array | null> {
    const m = await this.nc.request(SUBJECTS.get, frame(Kind.Get, 0, key), { timeout: this.timeoutMs });
    return m.data.length ? m.data : null;
  }

  private send(): void {
    const puts = this.turn;
    this.turn = [];
    const request = puts.length === 1
      ? this.nc.request(SUBJECTS.put, puts[0]!.frame, { timeout: this.timeoutMs })
      : this.nc.request(SUBJECTS.putBatch, packFrames(puts.map((p) => p.frame)), { timeout: this.timeoutMs });
    request.then(() => { for (const p of puts) p.resolve(); }, (err) => { for (const p of puts) p.reject(err); });
  }
}
