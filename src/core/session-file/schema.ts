/**
 * Session file format v1: the one valibot schema the importer validates with and the JSON
 * Schema (docs/session-format.schema.json) is generated from. Records reuse the record
 * schemas the relay and worker validate with (src/core/record-schema.ts).
 *
 * Objects here are `v.object` (unknown keys dropped on parse) so a newer writer may add
 * optional fields without breaking this reader; records are loose (kept as written).
 */
import * as v from 'valibot';
import { RecordSchema } from '../record-schema';

export const SESSION_FILE_FORMAT = 'ackscope-session' as const;
export const SESSION_FILE_VERSION = 1 as const;

const str = (max = 8192) => v.pipe(v.string(), v.maxLength(max));
const nonNeg = v.pipe(v.number(), v.minValue(0));
const isoDate = v.pipe(v.string(), v.isoTimestamp());

export const AnalysisConfigSchema = v.object({
  keyPaths: v.record(str(512), v.array(str(512))),
  autoKeyPaths: v.boolean(),
  dedupMarkers: v.array(v.union([str(4096), v.record(str(512), v.unknown())])),
  appRetryWindowMs: nonNeg,
  latencyMargin: nonNeg,
});

export const RedactionPolicySchema = v.object({
  /** Key names redacted wherever they appear in previews (matching rules: docs/session-format.md). */
  keys: v.array(str(256)),
  /** Exact paths inside each preview's argument array, `*` matches any one segment. */
  keyPaths: v.array(str(1024)),
  /** Regular expressions replaced in string values: `source` (flags gu) or `/source/flags`. */
  patterns: v.array(str(4096)),
});

export const RedactionInfoSchema = v.object({
  /** Redaction ran on export with this policy. `false` means the user exported unredacted. */
  applied: v.boolean(),
  policy: RedactionPolicySchema,
  /** How many values were replaced. */
  redactedValues: v.pipe(v.number(), v.integer(), v.minValue(0)),
});

export const ClientInfoSchema = v.object({
  client: str(128),
  manager: v.optional(str(128)),
  url: v.optional(str()),
  nsp: v.optional(str()),
  opts: v.looseObject({}),
  libVersion: v.optional(str(64)),
});

export const SessionSchema = v.object({
  /** Id of the session in the exporting extension (informative). */
  id: str(256),
  /** Page URL (top frame), credentials-like query values redacted. */
  url: str(),
  title: v.optional(str()),
  /** When recording of this session began (ISO 8601). */
  createdAt: isoDate,
  endedAt: v.optional(isoDate),
  userAgent: v.optional(str()),
  extensionVersion: v.optional(str(64)),
  /** socket.io-client version when the hook could detect it. */
  socketIoClientVersion: v.optional(str(64)),
  clients: v.array(ClientInfoSchema),
  analysisConfig: AnalysisConfigSchema,
  redaction: RedactionInfoSchema,
  warnings: v.optional(v.array(str())),
  records: v.array(RecordSchema),
});

export const SessionFileSchema = v.object({
  format: v.literal(SESSION_FILE_FORMAT),
  version: v.literal(SESSION_FILE_VERSION),
  /** When the file was written (ISO 8601). */
  createdAt: isoDate,
  generator: v.optional(v.object({ name: str(64), version: str(64) })),
  sessions: v.pipe(v.array(SessionSchema), v.minLength(1)),
});

export type SessionFile = v.InferOutput<typeof SessionFileSchema>;
export type SessionFileSession = v.InferOutput<typeof SessionSchema>;
export type ClientInfo = v.InferOutput<typeof ClientInfoSchema>;
export type RedactionPolicy = v.InferOutput<typeof RedactionPolicySchema>;
export type RedactionInfo = v.InferOutput<typeof RedactionInfoSchema>;
