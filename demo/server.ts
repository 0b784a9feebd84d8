/**
 * Demo / fixture Socket.IO app (issue #3, grows with the panel issue #5).
 *
 * A real socket.io server on 127.0.0.1 (port chosen at run time) that serves the demo pages
 * and socket.io's own client builds (/socket.io/socket.io.min.js, socket.io.esm.min.js).
 * Handlers, on every namespace ("/" and "/admin"):
 *   fast   ack at once with { ok: true, echo }
 *   slow   ack after `payload.delay` ms (default 700)
 *   never  never acks
 *   dedup  claims `payload.id` before working; a repeated id acks 'DUPLICATE' (the way servers should)
 *   drop   closes the client's transport after `payload.delay` ms (default 50), never acks
 *   ping   acks 'pong'
 *   fire   fire-and-forget: never acks (normal for such events)
 *   push   the server emits `payload.count` 'tick' events back
 * Every handler execution is counted by `${nsp} ${event} ${payload.id ?? '-'}`: tests compare
 * AckScope's verdicts with what the server really ran. GET /executions returns the counts,
 * POST /reset clears them.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Server, type Socket } from 'socket.io';

const here = dirname(fileURLToPath(import.meta.url));
const PUBLIC_DIR = join(here, 'public');

export interface DemoServer {
  url: string;
  port: number;
  io: Server;
  /** Handler executions by `${nsp} ${event} ${id ?? '-'}`. */
  executions: Map<string, number>;
  /** Sum of executions whose key starts with the given prefix (e.g. "/ slow "). */
  count(prefix: string): number;
  reset(): void;
  close(): Promise<void>;
}

export interface DemoServerOptions {
  port?: number;
  host?: string;
  /** Extra static directories served at their own URL prefix, e.g. { '/bundles/': dir }. */
  staticDirs?: Record<string, string>;
  /** Called for each namespace so scenarios can add handlers (e.g. the shop). */
  setup?: (nsp: ReturnType<Server['of']>, ctx: { record(key: string): void }) => void;
  /** Namespaces to serve (default "/" and "/admin"). */
  namespaces?: string[];
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
};

function idOf(payload: unknown): string {
  if (payload && typeof payload === 'object' && 'id' in payload) return String((payload as { id: unknown }).id);
  return '-';
}
function num(payload: unknown, field: string, dflt: number): number {
  const v = payload && typeof payload === 'object' ? (payload as Record<string, unknown>)[field] : undefined;
  return typeof v === 'number' && Number.isFinite(v) ? v : dflt;
}
type Ack = ((...args: unknown[]) => void) | undefined;
function lastFn(args: unknown[]): Ack {
  const f = args[args.length - 1];
  return typeof f === 'function' ? (f as Ack) : undefined;
}

export async function startDemoServer(opts: DemoServerOptions = {}): Promise<DemoServer> {
  const executions = new Map<string, number>();
  const record = (key: string) => executions.set(key, (executions.get(key) ?? 0) + 1);
  const staticDirs: Record<string, string> = { '/': PUBLIC_DIR, ...(opts.staticDirs ?? {}) };

  const http = createServer((req, res) => void serve(req, res));
  async function serve(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname === '/executions') {
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      res.end(JSON.stringify(Object.fromEntries(executions)));
      return;
    }
    if (url.pathname === '/reset' && req.method === 'POST') {
      executions.clear();
      res.writeHead(204).end();
      return;
    }
    // Longest matching prefix wins.
    const prefix = Object.keys(staticDirs)
      .filter((p) => url.pathname.startsWith(p))
      .sort((a, b) => b.length - a.length)[0];
    if (!prefix) return void res.writeHead(404).end('not found');
    const root = resolve(staticDirs[prefix]);
    let rel = decodeURIComponent(url.pathname.slice(prefix.length)) || 'index.html';
    if (rel.endsWith('/')) rel += 'index.html';
    const file = normalize(join(root, rel));
    if (!file.startsWith(root)) return void res.writeHead(403).end();
    try {
      const st = await stat(file);
      if (!st.isFile()) throw new Error('not a file');
      const body = await readFile(file);
      res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store' });
      res.end(body);
    } catch {
      res.writeHead(404).end('not found');
    }
  }

  // serveClient (default true) serves socket.io.js, socket.io.min.js and socket.io.esm.min.js.
  const io = new Server(http, { cors: { origin: true }, connectionStateRecovery: undefined });
  const namespaces = opts.namespaces ?? ['/', '/admin'];
  for (const name of namespaces) {
    const nsp = io.of(name);
    const processed = new Set<string>(); // per-namespace dedup set for the 'dedup' handler
    nsp.on('connection', (socket: Socket) => {
      const k = (event: string, payload: unknown) => `${name} ${event} ${idOf(payload)}`;
      socket.on('fast', (payload: unknown, ...rest: unknown[]) => {
        record(k('fast', payload));
        lastFn([payload, ...rest])?.({ ok: true, echo: payload });
      });
      socket.on('slow', (payload: unknown, ...rest: unknown[]) => {
        record(k('slow', payload));
        const ack = lastFn([payload, ...rest]);
        setTimeout(() => ack?.({ ok: true, id: idOf(payload) }), num(payload, 'delay', 700));
      });
      socket.on('never', (payload: unknown) => {
        record(k('never', payload));
      });
      socket.on('dedup', (payload: unknown, ...rest: unknown[]) => {
        record(k('dedup', payload));
        const ack = lastFn([payload, ...rest]);
        const id = idOf(payload);
        // Claim before working: a retry arriving while the first run works is a duplicate too.
        if (processed.has(id)) return ack?.('DUPLICATE');
        processed.add(id);
        setTimeout(() => ack?.({ ok: true, id }), num(payload, 'delay', 0));
      });
      socket.on('drop', (payload: unknown) => {
        record(k('drop', payload));
        setTimeout(() => socket.conn.close(), num(payload, 'delay', 50));
      });
      socket.on('ping', (payload: unknown, ...rest: unknown[]) => {
        record(k('ping', payload));
        lastFn([payload, ...rest])?.('pong');
      });
      socket.on('fire', (payload: unknown) => {
        record(k('fire', payload));
      });
      socket.on('push', (payload: unknown, ...rest: unknown[]) => {
        record(k('push', payload));
        const n = num(payload, 'count', 1);
        for (let i = 0; i < n; i++) socket.emit('tick', { i });
        lastFn([payload, ...rest])?.({ ok: true });
      });
    });
    opts.setup?.(nsp, { record });
  }

  await new Promise<void>((res, rej) => {
    http.once('error', rej);
    http.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => res());
  });
  const addr = http.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  const url = `http://${opts.host ?? '127.0.0.1'}:${port}`;
  return {
    url,
    port,
    io,
    executions,
    count(prefix: string) {
      let n = 0;
      for (const [key, v] of executions) if (key.startsWith(prefix)) n += v;
      return n;
    },
    reset() {
      executions.clear();
    },
    close() {
      return new Promise<void>((res) => {
        io.close(() => res());
        http.closeAllConnections?.();
      });
    },
  };
}

// `tsx demo/server.ts [port]` runs it standalone.
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const port = Number(process.argv[2] ?? 0);
  startDemoServer({ port }).then((s) => console.log(`demo server on ${s.url}`));
}
