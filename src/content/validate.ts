/**
 * Checks what a page sends to the relay. The page is untrusted: anything that is not a
 * record of the hook's own frame (version, frame, seq, time, known kind), or is too big, is
 * dropped and counted (the relay turns the counts into a diagnostics record). Previews are
 * cut to the configured limit here (original size kept), before anything is copied further.
 *
 * This runs on the page's main thread, so it stays light: the full per-kind schema check and
 * the emit hash happen in the service worker (see src/background/worker.ts).
 */
import * as v from 'valibot';
import type { Preview, Rec } from '../core/protocol';
import { canonicalHash } from '../core/hash';
import { PageToRelaySchema } from '../core/record-schema';
import { recordHeadOk } from '../core/record-fast';

/** Records in one page message (a tight loop of 50k emits in one task is one message). */
export const MAX_RECORDS_PER_MESSAGE = 250_000;
/** Bytes a record may take beyond its (already cut) previews. */
export const MAX_RECORD_OVERHEAD = 32 * 1024;

export type DropReason = 'bad-envelope' | 'too-many-records' | 'bad-record' | 'foreign-frame' | 'too-big';

export interface Checked {
  records: Rec[];
  /** Approximate bytes of each accepted record (same order). */
  bytes: number[];
  dropped: Partial<Record<DropReason, number>>;
}

export type PageMessage = v.InferOutput<typeof PageToRelaySchema>;

export function parseEnvelope(msg: unknown): PageMessage | null {
  // The common case without valibot (it would copy the records array): a records message.
  if (typeof msg === 'object' && msg !== null) {
    const m = msg as { type?: unknown; frame?: unknown; records?: unknown };
    if (m.type === 'records' && typeof m.frame === 'string' && m.frame.length <= 128 && Array.isArray(m.records))
      return { type: 'records', frame: m.frame, records: m.records };
  }
  const r = v.safeParse(PageToRelaySchema, msg);
  return r.success ? r.output : null;
}

function cut(p: Preview, limit: number): Preview {
  if (p.json.length <= limit) return p;
  return { ...p, json: p.json.slice(0, limit), truncated: true };
}

/**
 * Approximate JSON size, walking at most `budget` characters' worth: a hostile page can put
 * anything in the extra (loose) fields, so the walk stops as soon as the budget is spent.
 */
export function approxSize(x: unknown, budget: number): number {
  let total = 0;
  const stack: unknown[] = [x];
  while (stack.length) {
    const v = stack.pop();
    if (typeof v === 'string') total += v.length + 2;
    else if (v === null || typeof v !== 'object') total += 8;
    else if (Array.isArray(v)) {
      total += 2 + v.length;
      for (let i = 0; i < v.length; i++) stack.push(v[i]);
    } else {
      for (const k in v) {
        total += k.length + 4;
        stack.push((v as Record<string, unknown>)[k]);
      }
    }
    if (total > budget) return total;
  }
  return total;
}

function previewBytes(r: Record<string, unknown>): number {
  const a = r.args as Preview | undefined;
  return a && typeof a.json === 'string' ? a.json.length : 0;
}

/** Validate, cut and hash the records of one page message. */
export function checkRecords(frame: string, raw: readonly unknown[], previewLimit: number): Checked {
  const dropped: Checked['dropped'] = {};
  const bump = (k: DropReason) => (dropped[k] = (dropped[k] ?? 0) + 1);
  if (raw.length > MAX_RECORDS_PER_MESSAGE) {
    dropped['too-many-records'] = raw.length;
    return { records: [], bytes: [], dropped };
  }
  const records: Rec[] = [];
  const bytes: number[] = [];
  for (const item of raw) {
    if (!recordHeadOk(item)) {
      bump('bad-record');
      continue;
    }
    const rec = item as unknown as Rec & Record<string, unknown>;
    if (rec.frame !== frame) {
      bump('foreign-frame');
      continue;
    }
    const args = rec.args as Preview | undefined;
    if (args !== undefined && (args === null || typeof args !== 'object' || typeof args.json !== 'string' || typeof args.size !== 'number')) {
      bump('bad-record');
      continue;
    }
    if (args && args.json.length > previewLimit) {
      // Keep the full text's hash: grouping must not depend on the preview limit.
      if (rec.kind === 'emit' && rec.hash === undefined) rec.hash = canonicalHash(args.json);
      rec.args = cut(args, previewLimit);
    }
    // Previews are cut by now; everything else must stay small.
    const size = approxSize(rec, MAX_RECORD_OVERHEAD + previewLimit);
    if (size - previewBytes(rec) > MAX_RECORD_OVERHEAD) {
      bump('too-big');
      continue;
    }
    records.push(rec);
    bytes.push(size);
  }
  return { records, bytes, dropped };
}
