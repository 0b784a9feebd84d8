import { createRoot } from 'react-dom/client';
import { PanelWithSessionIo } from './session-io';
import { liveSourceFromChrome } from './data/live';

// DevTools passes its theme as 'default' or 'dark'; as a plain tab (dev/bench) use the OS theme.
const themeName = typeof chrome !== 'undefined' ? chrome.devtools?.panels?.themeName : undefined;
const params = new URLSearchParams(location.search);
const theme: 'light' | 'dark' =
  params.get('theme') === 'dark' || params.get('theme') === 'light'
    ? (params.get('theme') as 'light' | 'dark')
    : themeName
      ? themeName === 'dark'
        ? 'dark'
        : 'light'
      : matchMedia('(prefers-color-scheme: dark)').matches
        ? 'dark'
        : 'light';
document.documentElement.dataset.theme = theme;

const source = liveSourceFromChrome(params);
// Exposed for end-to-end tests and the benchmark (read-only inspection).
(globalThis as { __ackscopeSource?: unknown }).__ackscopeSource = source;
// With Export session / Open session… (an imported file shows in the same UI, then Back to live).
createRoot(document.getElementById('root')!).render(<PanelWithSessionIo live={source} theme={theme} />);
