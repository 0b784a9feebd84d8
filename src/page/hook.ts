// MAIN-world hook (issue 3). Placeholder until the capture pipeline lands.
export {};
