import { describe, it, expect } from 'vitest';
import { recordKey, attemptKey, RECORD_KINDS, PROTOCOL_VERSION } from '../../src/core/protocol';

describe('record protocol', () => {
  it('keys records by frame and seq', () => {
    expect(recordKey({ frame: 'f1', seq: 3 })).toBe('f1#3');
    expect(recordKey({ frame: 'f1', seq: 3 })).not.toBe(recordKey({ frame: 'f2', seq: 3 }));
  });
  it('keys attempts by client, direction and wire id', () => {
    expect(attemptKey('c', 'out', 0)).not.toBe(attemptKey('c', 'in', 0));
  });
  it('has a version and a closed list of kinds', () => {
    expect(PROTOCOL_VERSION).toBe(1);
    expect(new Set(RECORD_KINDS).size).toBe(RECORD_KINDS.length);
  });
});
