// HAR input (issue 6): decode Socket.IO traffic from a Chrome HAR into AckScope records.
export { decodeHar, isHar, HarError, HAR_LIMITS, HAR_PREVIEW_LIMIT, type HarDecodeResult } from './decode';
