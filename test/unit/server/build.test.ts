// `ackscope/server` from plain Node after a build: package self-reference through
// package.json "exports" resolves to the tsc output in dist-server/.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../../', import.meta.url));

beforeAll(() => {
  execFileSync('npx', ['tsc', '-p', 'tsconfig.server.json'], { cwd: root, stdio: 'pipe' });
}, 120_000);

describe('built ackscope/server', () => {
  it('emits ESM with type declarations', () => {
    expect(existsSync(`${root}dist-server/server/index.js`)).toBe(true);
    expect(existsSync(`${root}dist-server/server/index.d.ts`)).toBe(true);
  });

  it("imports from plain Node (import('ackscope/server')) and deduplicates", () => {
    const script = `
      const m = await import('ackscope/server');
      const store = new m.MemoryStore();
      let runs = 0;
      const l = m.idempotent((p, ack) => ack({ order: ++runs }), { store, event: 'order:create' });
      const acks = [];
      await l({ id: 'k1' }, (...a) => acks.push(a));
      await l({ id: 'k1' }, (...a) => acks.push(a));
      await store.close();
      console.log(JSON.stringify({ runs, acks, redis: typeof m.RedisStore, ev: m.SERVER_DEDUP_EVENT }));
    `;
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: root, encoding: 'utf8' });
    expect(JSON.parse(out)).toEqual({
      runs: 1,
      acks: [[{ order: 1 }], [{ order: 1 }, { __ackscope: 'replay', key: 'k1' }]],
      redis: 'function',
      ev: 'ackscope:dedup',
    });
  });
});
