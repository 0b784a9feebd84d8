// Service worker (issue 3). Placeholder until the capture pipeline lands.
export {};
