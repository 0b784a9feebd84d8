/** Recording policy (pure): which tabs record, and the config each relay/hook gets. */
import type { HookConfig, Settings } from '../core/messages';
import { DEFAULT_SETTINGS } from '../core/messages';
import * as v from 'valibot';

export function originOf(url: string | undefined): string | null {
  if (!url) return null;
  try {
    const o = new URL(url).origin;
    return o === 'null' ? null : o;
  } catch {
    return null;
  }
}

export interface TabPolicyInput {
  /** DevTools (devtools page or AckScope panel) is open on the tab. */
  devtoolsOpen: boolean;
  /** Explicit per-tab switch from the panel (undefined: follow the rest). */
  tabOverride?: boolean;
  /** Top-level URL of the tab. */
  url?: string;
}

export function hookConfig(settings: Settings, tab: TabPolicyInput): HookConfig {
  const origin = originOf(tab.url);
  const disabled = origin !== null && settings.disabledOrigins.includes(origin);
  const wanted =
    tab.tabOverride ?? (tab.devtoolsOpen || settings.recordAll || (origin !== null && settings.recordOrigins.includes(origin)));
  return {
    recording: !disabled && wanted,
    disabled,
    previewLimit: settings.previewLimit,
    stacks: settings.stacks,
    ringSize: settings.ringSize,
  };
}

const pos = v.pipe(v.number(), v.integer(), v.minValue(1));
const SettingsSchema = v.partial(
  v.object({
    recordAll: v.boolean(),
    recordOrigins: v.array(v.string()),
    disabledOrigins: v.array(v.string()),
    previewLimit: v.pipe(v.number(), v.integer(), v.minValue(64), v.maxValue(1024 * 1024)),
    stacks: v.boolean(),
    ringSize: v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(1_000_000)),
    retention: v.object({ sessions: pos, bytes: pos }),
  }),
);

/** Settings from chrome.storage.local (written by the panel or the CLI): bad fields fall back to defaults. */
export function readSettings(raw: unknown): Settings {
  const out: Settings = { ...DEFAULT_SETTINGS, retention: { ...DEFAULT_SETTINGS.retention } };
  if (!raw || typeof raw !== 'object') return out;
  for (const key of Object.keys(SettingsSchema.entries) as (keyof Settings)[]) {
    const field = (SettingsSchema.entries as Record<string, v.GenericSchema>)[key];
    const r = v.safeParse(field, (raw as Record<string, unknown>)[key]);
    if (r.success && r.output !== undefined) (out as unknown as Record<string, unknown>)[key] = r.output;
  }
  return out;
}
