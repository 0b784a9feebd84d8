/** JSON Schema of the session file, generated from the same valibot schema the importer uses. */
import { toJsonSchema } from '@valibot/to-json-schema';
import { SessionFileSchema } from './schema';

export const SESSION_SCHEMA_ID = 'https://ackscope.dev/schemas/session-format-v1.json';

export function sessionFileJsonSchema(): Record<string, unknown> {
  // `finite` has no JSON Schema form; JSON numbers are finite anyway.
  const s = toJsonSchema(SessionFileSchema, { errorMode: 'throw', ignoreActions: ['finite'] }) as Record<string, unknown>;
  return { ...s, $id: SESSION_SCHEMA_ID, title: 'AckScope session file, format version 1' };
}
