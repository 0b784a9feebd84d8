/**
 * Incoming server events kept per session for the timeline's ticks: the newest by time,
 * bounded. Shared by the service worker's ingest (live sessions) and the panel's in-memory
 * source (opened files), so both show the same ticks.
 */
import type { Rec } from './protocol';

export interface IncomingTick {
  client: string;
  t: number;
  event: string;
}

/** How many incoming server events a session snapshot keeps. */
export const INCOMING_KEEP = 5000;

/** Append the incoming events of `records` to `list` (in place), keep the newest `limit` by time. */
export function keepIncoming(list: IncomingTick[], records: readonly Rec[], limit = INCOMING_KEEP): IncomingTick[] {
  const before = list.length;
  let ordered = true;
  for (const r of records) {
    if (r.kind !== 'incoming') continue;
    // Records can arrive out of order across frames; sort only when they did.
    if (list.length && r.t < list[list.length - 1].t) ordered = false;
    list.push({ client: r.client, t: r.t, event: r.event });
  }
  if (list.length === before) return list;
  if (!ordered) list.sort((a, b) => a.t - b.t);
  if (list.length > limit) list.splice(0, list.length - limit);
  return list;
}
