import type { DuplicateVerdict, Outcome } from '../core/protocol';

export function fmtMs(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '';
  if (Math.abs(ms) < 1) return `${ms.toFixed(2)} ms`;
  if (Math.abs(ms) < 1000) return `${Math.round(ms)} ms`;
  if (Math.abs(ms) < 60_000) return `${(ms / 1000).toFixed(2)} s`;
  return `${(ms / 60_000).toFixed(1)} min`;
}

/** Offset from the session start, e.g. "12.345 s". */
export function fmtOffset(t: number, origin: number): string {
  const d = (t - origin) / 1000;
  return `${d.toFixed(3)} s`;
}

export function fmtClock(t: number): string {
  const d = new Date(t);
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds(), 3)}`;
}

export const VERDICT_LABEL: Record<DuplicateVerdict, string> = {
  none: '',
  possible: 'possible duplicate',
  confirmed: 'confirmed duplicate',
  'server-deduplicated': 'server-deduplicated',
};

export const OUTCOME_LABEL: Record<Outcome, string> = {
  acked: 'acked',
  'timed-out': 'timed out',
  failed: 'failed',
  pending: 'pending',
  sent: 'sent',
};

export function fmtCount(n: number): string {
  return n.toLocaleString('en-US');
}
