import { it, expect } from 'vitest';
import { keepIncoming } from '../../src/core/incoming';
import type { Rec } from '../../src/core/protocol';

const inc = (t: number, event = 'tick'): Rec => ({ v: 1, kind: 'incoming', frame: 'f', seq: t, t, client: 'f/c1', event, args: { json: '[]', size: 2, truncated: false } });

it('keeps the newest incoming events by time, bounded, whatever order they arrive in', () => {
  const list = keepIncoming([], [inc(5), inc(1), { v: 1, kind: 'diag', frame: 'f', seq: 9, t: 9, code: 'x', message: 'y' }]);
  expect(list.map((x) => x.t)).toEqual([1, 5]);
  keepIncoming(list, [inc(3), inc(7)], 3);
  expect(list.map((x) => x.t)).toEqual([3, 5, 7]);
});
