import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { sessionFileJsonSchema, buildSessionFile, encodeSessionFileBytes } from '../../../src/core/session-file/index';
import { slowServerRecords } from './fixtures';

const DOC = resolve(import.meta.dirname, '../../../docs/session-format.schema.json');

describe('JSON Schema of the session file', () => {
  it('docs/session-format.schema.json is what the importer’s valibot schema generates (run: npm run schema:session)', () => {
    const committed = JSON.parse(readFileSync(DOC, 'utf8'));
    expect(committed).toEqual(sessionFileJsonSchema());
  });

  it('describes the top level, the sessions and every record kind', () => {
    const s = sessionFileJsonSchema() as any;
    expect(s.properties.format).toEqual({ const: 'ackscope-session' });
    expect(s.properties.version).toEqual({ const: 1 });
    const session = s.properties.sessions.items;
    expect(session.required).toEqual(expect.arrayContaining(['id', 'url', 'createdAt', 'clients', 'analysisConfig', 'redaction', 'records']));
    const kinds = JSON.stringify(session.properties.records.items);
    for (const k of ['hook', 'client', 'conn', 'emit', 'attempt', 'ack', 'attempt-end', 'settle', 'incoming', 'gap', 'unsupported', 'diag'])
      expect(kinds).toContain(`"const":"${k}"`);
  });

  it('a built file has every property the JSON Schema requires', async () => {
    const { file } = buildSessionFile([{ id: 's', records: slowServerRecords() }]);
    const json = JSON.parse(new TextDecoder().decode(await encodeSessionFileBytes(file)));
    const s = sessionFileJsonSchema() as any;
    for (const k of s.required) expect(json).toHaveProperty(k);
    for (const k of s.properties.sessions.items.required) expect(json.sessions[0]).toHaveProperty(k);
  });
});
