// Session file format v1 (issue 6): schema, parse/validate, build/encode, redaction.
// Pure TS: runs in Node 20 (CLI) and in the browser (panel, viewer).
export * from './schema';
export { SessionFileError, type SessionFileErrorCode } from './errors';
export { parseSessionFile, validate as validateSessionFile, DEFAULT_MAX_BYTES, DEFAULT_MAX_DEPTH, type ParseOptions, type SessionFileInput } from './parse';
export { buildSessionFile, encodeSessionFile, encodeSessionFileBytes, sessionFileName, type SessionInput, type BuildOptions } from './build';
export {
  redact,
  previewRedaction,
  compilePolicy,
  DEFAULT_REDACTION_POLICY,
  DEFAULT_REDACT_KEYS,
  NO_REDACTION,
  REDACTED,
  isRedacted,
  type RedactionItem,
} from './redact';
export { sessionFileJsonSchema } from './json-schema';
