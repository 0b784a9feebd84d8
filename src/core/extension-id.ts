/** Extension id pinned by the `key` in manifest.json (tests, docs and the CLI use it). */
export const EXTENSION_ID = 'hbbkmcidbacpogpgbellmhhhlbfmenjl';
