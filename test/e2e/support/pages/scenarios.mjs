// Scenario app for the capture e2e tests. `makeT(io)` gets the page's own socket.io-client
// (UMD global, ESM build or a bundle) so every loading style runs the same code. Every
// result is what the app observes: resolved values, errors, and their order (`log`).
export function makeT(io) {
  const base = location.origin;
  const common = { transports: ['websocket'], reconnectionDelay: 100, reconnectionDelayMax: 200, randomizationFactor: 0 };
  const log = [];
  const sockets = {};
  const note = (name, what, value) => log.push([name, what, value]);
  const errText = (e) => (e && typeof e === 'object' && 'message' in e ? `Error: ${e.message}` : `value: ${JSON.stringify(e)}`);
  function open(name, nsp, opts) {
    const s = io(base + nsp, { ...common, ...opts });
    sockets[name] = s;
    return new Promise((res) => (s.connected ? res() : s.once('connect', () => res())));
  }
  async function withAck(name, p) {
    try {
      const v = await p;
      note(name, 'value', v);
    } catch (e) {
      note(name, 'error', errText(e));
    }
  }
  const scenarios = {
    // emitWithAck without retries, fast handler
    async fast(id) {
      await open('fast', '/', { forceNew: true });
      await withAck('fast', sockets.fast.emitWithAck('fast', { id }));
    },
    // retries 2 / ackTimeout 300 against a 500 ms handler: 3 attempts, all acked late
    async slowRetries(id) {
      await open('slow', '/', { forceNew: true, retries: 2, ackTimeout: 300 });
      await withAck('slow', sockets.slow.emitWithAck('slow', { id, delay: 500 }));
    },
    // socket.timeout(ms).emitWithAck on a handler that never acks
    async never(id) {
      await open('never', '/', { forceNew: true });
      await withAck('never', sockets.never.timeout(300).emitWithAck('never', { id }));
    },
    // socket.timeout(ms).emit(ev, cb): one timing out, one acked
    async timeoutCb(id) {
      await open('tcb', '/', { forceNew: true });
      await new Promise((res) =>
        sockets.tcb.timeout(300).emit('never', { id }, (err, v) => {
          note('tcb-never', err ? 'error' : 'value', err ? errText(err) : v);
          res();
        }),
      );
      await new Promise((res) =>
        sockets.tcb.timeout(2000).emit('fast', { id: id + 1 }, (err, v) => {
          note('tcb-fast', err ? 'error' : 'value', err ? errText(err) : v);
          res();
        }),
      );
    },
    // engine closed while an attempt is pending; reconnect re-sends it (retries on)
    async disconnect(id) {
      await open('disc', '/', { forceNew: true, retries: 2, ackTimeout: 5000 });
      const s = sockets.disc;
      const p = s.emitWithAck('slow', { id, delay: 400 });
      setTimeout(() => s.io.engine.close(), 100);
      await withAck('disc', p);
    },
    // two namespaces on one Manager
    async namespaces(id) {
      await open('ns-main', '/', { forceNew: true });
      const admin = sockets['ns-main'].io.socket('/admin');
      sockets['ns-admin'] = admin; // connects by itself (autoConnect)
      await new Promise((res) => (admin.connected ? res() : admin.once('connect', res)));
      await withAck('ns-main', sockets['ns-main'].emitWithAck('fast', { id }));
      await withAck('ns-admin', admin.emitWithAck('fast', { id: id + 1 }));
    },
  };
  return {
    log,
    sockets,
    scenarios: Object.keys(scenarios),
    /** Run named scenarios one after another; returns the app-observable log. */
    async run(names, id0 = 1) {
      let id = id0;
      for (const n of names) {
        await scenarios[n](id);
        id += 10;
      }
      return log;
    },
    /** n fire-and-forget emits in one tight loop (no awaits). */
    async burst(n, name = 'burst') {
      if (!sockets[name]) await open(name, '/', { forceNew: true });
      const s = sockets[name];
      for (let i = 0; i < n; i++) s.emit('fire', { i });
    },
  };
}
