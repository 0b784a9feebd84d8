/** Stats accumulators (issue 4): counts, rates and nearest-rank percentiles. */
import type { GroupStats, LatencyStats, Operation } from './types';

export function latencyStats(samples: number[]): LatencyStats {
  const n = samples.length;
  if (n === 0) return { count: 0, p50: null, p95: null, p99: null, max: null };
  const a = Float64Array.from(samples).sort();
  const at = (q: number) => a[Math.min(n - 1, Math.max(0, Math.ceil(q * n) - 1))];
  return { count: n, p50: at(0.5), p95: at(0.95), p99: at(0.99), max: a[n - 1] };
}

export class StatsAcc {
  operations = 0;
  acked = 0;
  timedOut = 0;
  failed = 0;
  pending = 0;
  sent = 0;
  retried = 0;
  confirmed = 0;
  possible = 0;
  serverDeduplicated = 0;
  /** Operations that asked for an ack (directly or through the retry queue). */
  ackOps = 0;
  /** Ack-requesting operations with at least one attempt that timed out. */
  timeoutOps = 0;
  latencies: number[] = [];

  /** Add one operation; `lat` holds its ack latencies (late acks included), `timedOut` whether any attempt timed out. */
  add(op: Operation, lat: readonly number[], timedOut: boolean): void {
    this.operations++;
    switch (op.outcome) {
      case 'acked':
        this.acked++;
        break;
      case 'timed-out':
        this.timedOut++;
        break;
      case 'failed':
        this.failed++;
        break;
      case 'pending':
        this.pending++;
        break;
      case 'sent':
        this.sent++;
        break;
    }
    if (op.duplicate === 'confirmed') this.confirmed++;
    else if (op.duplicate === 'possible') this.possible++;
    else if (op.duplicate === 'server-deduplicated') this.serverDeduplicated++;
    if (op.outcome === 'sent') return;
    this.ackOps++;
    if (op.attempts > 1) this.retried++;
    for (let i = 0; i < lat.length; i++) this.latencies.push(lat[i]);
    if (timedOut) this.timeoutOps++;
  }

  result(): GroupStats {
    return {
      operations: this.operations,
      acked: this.acked,
      timedOut: this.timedOut,
      failed: this.failed,
      pending: this.pending,
      sent: this.sent,
      retried: this.retried,
      duplicates: { confirmed: this.confirmed, possible: this.possible, serverDeduplicated: this.serverDeduplicated },
      latency: latencyStats(this.latencies),
      timeoutRate: this.ackOps ? this.timeoutOps / this.ackOps : 0,
      retryRate: this.ackOps ? this.retried / this.ackOps : 0,
    };
  }
}
