/**
 * JSON encoding of ack arguments for stores that keep text (Redis). Binary values
 * (Buffer, typed arrays, ArrayBuffer), which Socket.IO can carry in acks, round-trip as
 * Buffers; everything else must be JSON-serialisable (`undefined` becomes null, as it does
 * on the Socket.IO wire).
 */
import type { AckArgs } from './store.js';

const BIN = '__ackscope_b64';

export function encodeResult(args: AckArgs): string {
  return JSON.stringify(args, function (this: Record<string, unknown>, k: string, v: unknown) {
    // `v` has already been through Buffer#toJSON; the holder still has the original.
    const raw = this[k];
    if (raw instanceof ArrayBuffer) return { [BIN]: Buffer.from(raw).toString('base64') };
    if (ArrayBuffer.isView(raw)) return { [BIN]: Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('base64') };
    return v;
  });
}

export function decodeResult(text: string): AckArgs {
  const v: unknown = JSON.parse(text, (_k, val: unknown) => {
    if (val && typeof val === 'object' && !Array.isArray(val)) {
      const o = val as Record<string, unknown>;
      if (typeof o[BIN] === 'string' && Object.keys(o).length === 1) return Buffer.from(o[BIN], 'base64');
    }
    return val;
  });
  if (!Array.isArray(v)) throw new TypeError('stored result is not an array');
  return v;
}
