/**
 * Record socket.io-client in the current Node process with the same instrumentation the
 * extension installs in pages (src/page/instrument.ts). For tests and for recording analysis
 * fixtures from real client/server runs.
 *
 *   import { startNodeRecording } from '../support/node-recorder';
 *   import { io } from 'socket.io-client';
 *   const rec = startNodeRecording();            // before or after importing socket.io-client
 *   const s = io(url, { retries: 2, ackTimeout: 300 });
 *   await s.emitWithAck('slow', { delay: 500 }).catch(() => {});
 *   rec.stop();                                   // uninstalls; rec.records keeps the records
 *   // rec.records: Rec[] with frame 'node', seq 0,1,2,... (first record: kind 'hook')
 *
 * Sockets created after start are found through the same Object.prototype traps as in a page;
 * the Socket class of the `socket.io-client` this file resolves is also patched directly, so
 * sockets created before start are recorded from their next call (their `client` record is
 * emitted lazily). Only one recording at a time per process: starting again while one runs
 * reuses the installed instrument and redirects records to the new recorder.
 */
import { Socket, Manager } from 'socket.io-client';
import type { Rec, HookRecord } from '../../src/core/protocol';
import { installInstrument, HOOK_VERSION, type Instrument } from '../../src/page/instrument';

export interface NodeRecordingOptions {
  /** Frame id of the records (default 'node'). */
  frame?: string;
  previewLimit?: number;
  /** Call-site stacks on emits (default false: keeps fixtures stable). */
  stacks?: boolean;
  /** Called for each record as it is produced (after `seq` is set). */
  onRecord?: (r: Rec) => void;
  now?: () => number;
}

export interface NodeRecording {
  records: Rec[];
  /** Stop recording and remove the instrumentation. Idempotent. */
  stop(): void;
  instrument: Instrument;
}

export function startNodeRecording(opts: NodeRecordingOptions = {}): NodeRecording {
  const frame = opts.frame ?? 'node';
  const records: Rec[] = [];
  let seq = 0;
  const sink = (r: Rec) => {
    r.seq = seq++;
    records.push(r);
    opts.onRecord?.(r);
  };
  const now = opts.now ?? (() => performance.timeOrigin + performance.now());
  const hook: HookRecord = {
    v: 1,
    frame,
    seq: -1,
    t: now(),
    kind: 'hook',
    url: `node:${process.argv[1] ?? ''}`,
    top: true,
    userAgent: `node/${process.version}`,
    hookVersion: HOOK_VERSION,
  };
  sink(hook);
  const instrument = installInstrument({ frame, sink, now, previewLimit: opts.previewLimit, stacks: opts.stacks ?? false });
  if (instrument.existing) {
    instrument.setSink(sink);
    instrument.configure({ previewLimit: opts.previewLimit, stacks: opts.stacks ?? false, enabled: true });
  }
  instrument.patchClasses({ Socket, Manager });
  let stopped = false;
  return {
    records,
    instrument,
    stop() {
      if (stopped) return;
      stopped = true;
      instrument.setSink(() => {});
      instrument.uninstall();
    },
  };
}
