// Writes docs/session-format.schema.json from the valibot schema the importer validates with
// (src/core/session-file/schema.ts). A unit test fails when the committed file is stale.
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { sessionFileJsonSchema } from '../src/core/session-file/json-schema';

const out = resolve(import.meta.dirname, '../docs/session-format.schema.json');
writeFileSync(out, JSON.stringify(sessionFileJsonSchema(), null, 2) + '\n');
console.log(`wrote ${out}`);
