import { describe, it, expect } from 'vitest';
import { hookConfig, readSettings } from '../../../src/background/policy';
import { DEFAULT_SETTINGS } from '../../../src/core/messages';

describe('recording policy', () => {
  const s = (p: Partial<typeof DEFAULT_SETTINGS> = {}) => ({ ...DEFAULT_SETTINGS, ...p });
  it('records only while DevTools is open, unless switched on for the site or all tabs', () => {
    const url = 'http://127.0.0.1:3000/app';
    expect(hookConfig(s(), { devtoolsOpen: false, url }).recording).toBe(false);
    expect(hookConfig(s(), { devtoolsOpen: true, url }).recording).toBe(true);
    expect(hookConfig(s({ recordAll: true }), { devtoolsOpen: false, url }).recording).toBe(true);
    expect(hookConfig(s({ recordOrigins: ['http://127.0.0.1:3000'] }), { devtoolsOpen: false, url }).recording).toBe(true);
    expect(hookConfig(s({ recordOrigins: ['http://127.0.0.1:3001'] }), { devtoolsOpen: false, url }).recording).toBe(false);
    expect(hookConfig(s({ recordAll: true }), { devtoolsOpen: true, tabOverride: false, url }).recording).toBe(false);
  });
  it('a site with the hook switched off never records', () => {
    const c = hookConfig(s({ recordAll: true, disabledOrigins: ['https://x.test'] }), { devtoolsOpen: true, url: 'https://x.test/a' });
    expect(c).toMatchObject({ recording: false, disabled: true });
  });
  it('settings from chrome.storage (CLI, panel) are validated field by field; bad ones fall back', () => {
    expect(readSettings(undefined)).toEqual(DEFAULT_SETTINGS);
    expect(readSettings('junk')).toEqual(DEFAULT_SETTINGS);
    const r = readSettings({ recordAll: true, ringSize: -5, previewLimit: 'big', recordOrigins: ['http://a'], retention: { sessions: 3, bytes: 10 } });
    expect(r).toEqual({ ...DEFAULT_SETTINGS, recordAll: true, recordOrigins: ['http://a'], retention: { sessions: 3, bytes: 10 } });
  });
});
