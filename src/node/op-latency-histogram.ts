// Request latency per operation, observed on every API request, exported as a Prometheus histogram
// with one label (`op`). prom-client's Histogram checks and hashes the label set on every observe
// (about 0.33 µs, warm), a few percent of a node's CPU per request under load; here each operation
// has its own bucket counts, found once, and an observation only adds to them. It registers in a
// prom-client Registry like prom-client's own metrics and exports the same series:
// <name>_bucket{le, op} (cumulative, then le="+Inf"), <name>_sum{op} and <name>_count{op}, for the
// operations observed at least once.
import type { Registry } from 'prom-client';

export interface LatencyObserver {
  observe(seconds: number): void;
}

/** One operation's counts: per bucket (not cumulative; the last is above every bound), sum, count. */
class OpSeries implements LatencyObserver {
  readonly counts: Float64Array;
  sum = 0;
  count = 0;

  constructor(private readonly bounds: readonly number[]) {
    this.counts = new Float64Array(bounds.length + 1);
  }

  observe(seconds: number): void {
    let i = 0;
    while (i < this.bounds.length && seconds > this.bounds[i]!) i++;
    this.counts[i]!++;
    this.sum += seconds;
    this.count++;
  }
}

/** What the status page reads: per operation, count, summed seconds and cumulative counts per bound. */
export interface OpLatencyStats {
  count: number;
  sumSeconds: number;
  buckets: number[];
}

interface MetricValue {
  value: number;
  labels: Record<string, string | number>;
  metricName: string;
}

export class OpLatencyHistogram {
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  private readonly series = new Map<string, OpSeries>();

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly bounds: readonly number[],
    registry: Registry,
  ) {
    registry.registerMetric(this as never);
  }

  /** The observer of one operation (keep it: looking it up is what this class saves per request). */
  op(op: string): LatencyObserver {
    let s = this.series.get(op);
    if (!s) {
      s = new OpSeries(this.bounds);
      this.series.set(op, s);
    }
    return s;
  }

  stats(): Record<string, OpLatencyStats> {
    const out: Record<string, OpLatencyStats> = {};
    for (const [op, s] of this.series) {
      if (s.count === 0) continue;
      let acc = 0;
      out[op] = { count: s.count, sumSeconds: s.sum, buckets: this.bounds.map((_, i) => (acc += s.counts[i]!)) };
    }
    return out;
  }

  /** prom-client's metric interface: what the registry formats. */
  async get(): Promise<{ name: string; help: string; type: string; aggregator: string; values: MetricValue[] }> {
    const values: MetricValue[] = [];
    for (const [op, s] of Object.entries(this.stats())) {
      this.bounds.forEach((le, i) => values.push({ value: s.buckets[i]!, labels: { le, op }, metricName: `${this.name}_bucket` }));
      values.push({ value: s.count, labels: { le: '+Inf', op }, metricName: `${this.name}_bucket` });
      values.push({ value: s.sumSeconds, labels: { op }, metricName: `${this.name}_sum` });
      values.push({ value: s.count, labels: { op }, metricName: `${this.name}_count` });
    }
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }

  /** prom-client's metric interface (Registry.resetMetrics). */
  reset(): void {
    for (const s of this.series.values()) {
      s.counts.fill(0);
      s.sum = 0;
      s.count = 0;
    }
  }
}
