// Tiny test app for the capture e2e tests: window.t.* run scenarios with the page's own io().
window.t = {
  sockets: {},
  connect(name, nsp = '/', opts = {}) {
    const s = io(location.origin + nsp, { transports: ['websocket'], ...opts });
    this.sockets[name] = s;
    return new Promise((res) => (s.connected ? res(s.id) : s.once('connect', () => res(s.id))));
  },
  async burst(name, n, event = 'fire') {
    const s = this.sockets[name];
    for (let i = 0; i < n; i++) s.emit(event, { id: i });
  },
  async ack(name, event, payload) {
    try {
      return { ok: await this.sockets[name].emitWithAck(event, payload) };
    } catch (e) {
      return { err: String(e && e.message) };
    }
  },
};
