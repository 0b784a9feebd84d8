#!/usr/bin/env node
// `ackscope` CLI entry: runs the build in dist-cli/ (npm run build). Plain JS so it starts
// on any Node without a loader.
const [major] = process.versions.node.split('.').map(Number);
if (major < 20) {
  process.stderr.write(`ackscope: Node 20 or newer is required (this is ${process.version})\n`);
  process.exit(2);
}
let mod;
try {
  mod = await import(new URL('../dist-cli/cli.js', import.meta.url).href);
} catch (e) {
  if (e && e.code === 'ERR_MODULE_NOT_FOUND' && String(e.message).includes('dist-cli')) {
    process.stderr.write('ackscope: not built: run `npm ci && npm run build` in the ackscope folder\n');
    process.exit(2);
  }
  throw e;
}
const code = await mod.main(process.argv.slice(2));
// Exit once stdout has drained (large --json output into a pipe).
process.stdout.write('', () => process.exit(code));
