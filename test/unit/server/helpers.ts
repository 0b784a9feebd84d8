// Real servers for the server-companion tests: a Socket.IO server on 127.0.0.1:0, a
// redis-server on a free loopback port, child processes running fixtures/server-proc.ts.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { createServer as createHttpServer } from 'node:http';
import { fileURLToPath } from 'node:url';
import { Server, type Socket as ServerSocket } from 'socket.io';
import { io as ioClient, type Socket as ClientSocket, type ManagerOptions, type SocketOptions } from 'socket.io-client';

export interface IoServer {
  io: Server;
  url: string;
  close(): Promise<void>;
}

export async function startIo(onConnection: (socket: ServerSocket) => void): Promise<IoServer> {
  const http = createHttpServer();
  const io = new Server(http);
  io.on('connection', onConnection);
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const { port } = http.address() as AddressInfo;
  return {
    io,
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => io.close(() => resolve())),
  };
}

const clients = new Set<ClientSocket>();

export async function connect(url: string, opts: Partial<ManagerOptions & SocketOptions> = {}): Promise<ClientSocket> {
  const s = ioClient(url, { transports: ['websocket'], forceNew: true, reconnection: false, ...opts });
  clients.add(s);
  await new Promise<void>((resolve, reject) => {
    s.once('connect', () => resolve());
    s.once('connect_error', reject);
  });
  return s;
}

export function closeClients(): void {
  for (const s of clients) s.close();
  clients.clear();
}

export async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const { port } = srv.address() as AddressInfo;
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return port;
}

export interface RedisServer {
  port: number;
  url: string;
  proc: ChildProcess;
  /** SIGKILL, as a crash would. */
  kill(): Promise<void>;
  stop(): Promise<void>;
}

export function redisServerPath(searchPath = process.env.PATH ?? ''): string {
  const r = spawnSync('/bin/sh', ['-c', 'command -v redis-server'], { encoding: 'utf8', env: { PATH: searchPath } });
  const p = r.stdout.trim();
  if (r.status !== 0 || !p) {
    throw new Error(
      'redis-server is not installed (not on PATH). The RedisStore tests need a real Redis: ' +
        'install it with `apt-get install -y redis-server` (.ci/run does this).',
    );
  }
  return p;
}

/** Starts redis-server on a free (or given) loopback port, without persistence. */
export async function startRedis(port?: number): Promise<RedisServer> {
  const bin = redisServerPath();
  for (let attempt = 0; ; attempt++) {
    const p = port ?? (await freePort());
    const proc = spawn(bin, ['--port', String(p), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    const ready = await new Promise<boolean>((resolve) => {
      proc.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('Ready to accept connections')) resolve(true);
      });
      proc.once('exit', () => resolve(false));
      proc.once('error', () => resolve(false));
    });
    if (ready) {
      const exited = new Promise<void>((resolve) => (proc.exitCode !== null ? resolve() : proc.once('exit', () => resolve())));
      const signal = async (sig: NodeJS.Signals) => {
        if (proc.exitCode === null && proc.signalCode === null) proc.kill(sig);
        await exited;
      };
      return { port: p, url: `redis://127.0.0.1:${p}`, proc, kill: () => signal('SIGKILL'), stop: () => signal('SIGTERM') };
    }
    // Port taken between freePort() and start: try another one.
    if (port !== undefined || attempt >= 3) throw new Error(`redis-server did not start on port ${p}:\n${out}`);
  }
}

export interface ServerProc {
  url: string;
  proc: ChildProcess;
  stop(): Promise<void>;
}

const fixture = fileURLToPath(new URL('./fixtures/server-proc.ts', import.meta.url));

/** A Socket.IO server in its own Node process using RedisStore (fixtures/server-proc.ts). */
export async function startServerProc(env: Record<string, string>): Promise<ServerProc> {
  const proc = spawn(process.execPath, ['--import', 'tsx', fixture], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  proc.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    proc.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /^LISTENING (\S+)$/m.exec(out);
      if (m) resolve(m[1]!);
    });
    proc.once('exit', (code) => reject(new Error(`server process exited (${code}) before listening:\n${err}`)));
  });
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  return {
    url,
    proc,
    stop: async () => {
      if (proc.exitCode === null) proc.kill('SIGTERM');
      await exited;
    },
  };
}

/** Polls `check` until it returns true (no timing assertion: the test fails by its own timeout). */
export async function until(check: () => boolean | Promise<boolean>, stepMs = 20): Promise<void> {
  while (!(await check())) await new Promise((r) => setTimeout(r, stepMs));
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
