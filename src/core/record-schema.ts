/**
 * valibot schemas for records (src/core/protocol.ts) and the relay/worker messages
 * (src/core/messages.ts). Shared by the relay (validates what a page sends) and the service
 * worker (validates what a relay sends): records come from pages we do not control.
 *
 * Objects are loose (unknown extra fields kept) so a newer hook may add optional fields
 * (the protocol only grows by optional fields); sizes are bounded by the receivers.
 */
import * as v from 'valibot';
import { HANDSHAKE_TYPE } from './messages';

const MAX_ID = 128;
const MAX_TEXT = 4096;
const id = v.pipe(v.string(), v.maxLength(MAX_ID));
const text = v.pipe(v.string(), v.maxLength(MAX_TEXT));
const finite = v.pipe(v.number(), v.finite());
const uint = v.pipe(v.number(), v.integer(), v.minValue(0));

export const PreviewSchema = v.looseObject({
  json: v.string(),
  size: v.pipe(v.number(), v.minValue(0)),
  truncated: v.boolean(),
  binary: v.optional(v.looseObject({ count: uint, bytes: v.pipe(v.number(), v.minValue(0)) })),
});

const CallSiteSchema = v.looseObject({
  fn: v.optional(text),
  url: text,
  line: v.number(),
  col: v.number(),
});

const base = {
  v: v.literal(1),
  frame: id,
  seq: uint,
  t: finite,
};

const HookSchema = v.looseObject({ ...base, kind: v.literal('hook'), url: text, top: v.boolean(), userAgent: text, hookVersion: text });
const ClientSchema = v.looseObject({
  ...base,
  kind: v.literal('client'),
  client: id,
  manager: id,
  url: text,
  nsp: text,
  opts: v.looseObject({}),
  libVersion: v.optional(text),
  via: v.optional(text),
});
const ConnSchema = v.looseObject({
  ...base,
  kind: v.literal('conn'),
  client: id,
  event: v.picklist(['connect', 'disconnect', 'connect_error', 'reconnect_attempt', 'reconnect', 'reconnect_failed', 'upgrade', 'ping-timeout']),
  reason: v.optional(text),
  sid: v.optional(text),
  engineSid: v.optional(text),
  transport: v.optional(text),
  recovered: v.optional(v.boolean()),
  attempt: v.optional(v.number()),
});
const FlagsSchema = v.looseObject({
  timeout: v.optional(v.number()),
  volatile: v.optional(v.boolean()),
  compress: v.optional(v.boolean()),
});
const EmitSchema = v.looseObject({
  ...base,
  kind: v.literal('emit'),
  client: id,
  op: id,
  event: text,
  ack: v.boolean(),
  api: v.picklist(['callback', 'promise', 'none']),
  queued: v.boolean(),
  queueDepth: v.optional(v.number()),
  flags: FlagsSchema,
  args: v.optional(PreviewSchema),
  hash: v.optional(text),
  error: v.optional(text),
  stack: v.optional(v.pipe(v.array(CallSiteSchema), v.maxLength(64))),
});
const AttemptSchema = v.looseObject({
  ...base,
  kind: v.literal('attempt'),
  client: id,
  op: id,
  try: uint,
  ackId: v.nullable(uint),
  buffered: v.optional(v.boolean()),
  flushed: v.optional(v.boolean()),
  queueDepth: v.optional(v.number()),
  args: v.optional(PreviewSchema),
});
const AckSchema = v.looseObject({
  ...base,
  kind: v.literal('ack'),
  client: id,
  ackId: uint,
  op: v.optional(id),
  late: v.boolean(),
  latency: v.optional(v.number()),
  args: PreviewSchema,
});
const AttemptEndSchema = v.looseObject({
  ...base,
  kind: v.literal('attempt-end'),
  client: id,
  op: id,
  ackId: v.nullable(uint),
  cause: v.picklist(['timeout', 'disconnect', 'error']),
  message: text,
});
const SettleSchema = v.looseObject({
  ...base,
  kind: v.literal('settle'),
  client: id,
  op: id,
  outcome: v.picklist(['acked', 'timed-out', 'failed']),
  reason: v.optional(text),
  args: v.optional(PreviewSchema),
});
const IncomingSchema = v.looseObject({
  ...base,
  kind: v.literal('incoming'),
  client: id,
  event: text,
  args: PreviewSchema,
  ackId: v.optional(uint),
});
const GapSchema = v.looseObject({
  ...base,
  kind: v.literal('gap'),
  where: v.picklist(['page', 'relay', 'worker']),
  dropped: uint,
  from: finite,
  to: finite,
  reason: text,
});
const UnsupportedSchema = v.looseObject({
  ...base,
  kind: v.literal('unsupported'),
  client: v.optional(id),
  libVersion: v.optional(text),
  reason: text,
});
const DiagSchema = v.looseObject({
  ...base,
  kind: v.literal('diag'),
  code: text,
  message: text,
  count: v.optional(v.number()),
});

export const RecordSchema = v.variant('kind', [
  HookSchema,
  ClientSchema,
  ConnSchema,
  EmitSchema,
  AttemptSchema,
  AckSchema,
  AttemptEndSchema,
  SettleSchema,
  IncomingSchema,
  GapSchema,
  UnsupportedSchema,
  DiagSchema,
]);

/**
 * The relay's per-record check (it runs on the page's main thread, so it stays light):
 * identity and kind. The worker checks every record against RecordSchema.
 */
export const RecordHeadSchema = v.looseObject({
  ...base,
  kind: v.picklist(['hook', 'client', 'conn', 'emit', 'attempt', 'ack', 'attempt-end', 'settle', 'incoming', 'gap', 'unsupported', 'diag']),
});

/** page -> relay envelope (records checked one by one, so one bad record does not sink a batch). */
export const PageToRelaySchema = v.variant('type', [
  v.object({ type: v.literal('records'), frame: id, records: v.array(v.unknown()) }),
  v.object({ type: v.literal('hello'), frame: id, url: v.pipe(v.string(), v.maxLength(8192)), top: v.boolean() }),
]);

export const HandshakeSchema = v.object({ type: v.literal(HANDSHAKE_TYPE) });

export const HookConfigSchema = v.object({
  recording: v.boolean(),
  disabled: v.boolean(),
  previewLimit: uint,
  stacks: v.boolean(),
  ringSize: uint,
});

/** relay -> worker */
export const RelayToWorkerSchema = v.variant('type', [
  v.object({ type: v.literal('hello'), frame: id, url: v.pipe(v.string(), v.maxLength(8192)), top: v.boolean() }),
  v.object({ type: v.literal('records'), batch: uint, records: v.array(v.unknown()) }),
]);

/** worker -> relay (also sent with chrome.tabs.sendMessage when settings change). */
export const WorkerToRelaySchema = v.variant('type', [
  v.object({ type: v.literal('stored'), batch: uint }),
  v.object({ type: v.literal('config'), config: HookConfigSchema }),
  v.object({ type: v.literal('error'), batch: v.optional(uint), message: v.string() }),
]);
