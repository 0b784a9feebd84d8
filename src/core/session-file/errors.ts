/** Why a session file was refused. Errors are data (code + path) so the CLI, panel and viewer can show them. */
export type SessionFileErrorCode =
  | 'empty'
  | 'too-large'
  | 'gzip'
  | 'encoding'
  | 'json'
  | 'too-deep'
  | 'forbidden-key'
  | 'format'
  | 'version'
  | 'schema'
  | 'cancelled';

export class SessionFileError extends Error {
  readonly code: SessionFileErrorCode;
  /** Where in the document, e.g. `sessions[0].records[12].ackId` (schema, depth, key errors). */
  readonly path?: string;
  constructor(code: SessionFileErrorCode, message: string, path?: string) {
    super(message);
    this.name = 'SessionFileError';
    this.code = code;
    this.path = path;
  }
}

/** `a.b[3].c` from path segments. */
export function formatPath(segments: ReadonlyArray<string | number>): string {
  let out = '';
  for (const s of segments) {
    if (typeof s === 'number') out += `[${s}]`;
    else if (/^[A-Za-z_$][\w$]*$/.test(s)) out += out ? `.${s}` : s;
    else out += `[${JSON.stringify(s)}]`;
  }
  return out || '(root)';
}
