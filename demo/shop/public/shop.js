// The shop's client: one socket per scenario, the same checkout call on each.
import { io } from '/socket.io/socket.io.esm.min.js';

const SCENARIOS = [
  { id: 'healthy', title: 'Healthy', text: 'Fast server, sensible timeout.', opts: { ackTimeout: 1500, retries: 2 } },
  { id: 'slow', title: 'Slow server', text: 'The server needs 700 ms; the client gives up after 300 ms and retries.', opts: { ackTimeout: 300, retries: 2 } },
  { id: 'flaky', title: 'Flaky network', text: 'The connection drops right after the server placed the order.', opts: { ackTimeout: 1000, retries: 3, reconnectionDelay: 100, reconnectionDelayMax: 200, forceNew: true } },
  { id: 'dedup', title: 'Slow server + dedup', text: 'Same slow server, but its handler uses ackscope/server idempotent().', opts: { ackTimeout: 300, retries: 2 } },
];
const ITEMS = ['Blue mug', 'Lamp', 'Desk', 'Teapot', 'Notebook'];
const sockets = {};
let n = 0;

function card(s) {
  const el = document.createElement('section');
  el.className = 'card';
  el.id = `card-${s.id}`;
  el.innerHTML = `<h2>${s.title}</h2><div class="cfg">io('/${s.id}', ${JSON.stringify(s.opts).replace(/"/g, '')})</div><p>${s.text}</p>
    <button data-scenario="${s.id}">Place order</button><ul></ul>`;
  el.querySelector('button').addEventListener('click', () => placeOrder(s.id));
  return el;
}

async function charges() {
  try {
    return await (await fetch('/executions', { cache: 'no-store' })).json();
  } catch {
    return {};
  }
}

/** Place one order on a scenario's socket; resolves with what the app saw and how often the server charged it. */
export async function placeOrder(scenario) {
  const id = `ord-${scenario}-${++n}`;
  const item = ITEMS[n % ITEMS.length];
  const li = document.createElement('li');
  li.innerHTML = `<span>${id} · ${item}</span><span class="wait">placing…</span>`;
  document.querySelector(`#card-${scenario} ul`).prepend(li);
  let result;
  try {
    const res = await sockets[scenario].emitWithAck('order:create', { id, item, qty: 1 });
    result = { ok: true, res };
  } catch (e) {
    result = { ok: false, error: String(e?.message ?? e) };
  }
  // Give late deliveries a moment to land before counting charges.
  await new Promise((r) => setTimeout(r, 900));
  const count = (await charges())[`/${scenario} order:create ${id}`] ?? 0;
  const status = li.lastElementChild;
  status.className = count > 1 ? 'bad' : result.ok ? 'ok' : 'bad';
  status.textContent = `${result.ok ? 'confirmed' : 'failed: ' + result.error} · charged ${count}×`;
  return { id, scenario, ...result, charged: count };
}

async function runAll() {
  const out = [];
  for (const s of SCENARIOS) out.push(await placeOrder(s.id));
  return out;
}

const cards = document.getElementById('cards');
for (const s of SCENARIOS) {
  // forceNew: the flaky scenario gets its own connection, so its drops do not hit the other cards.
  sockets[s.id] = io(`/${s.id}`, s.opts);
  cards.append(card(s));
}
document.getElementById('run-all').addEventListener('click', async (e) => {
  e.target.disabled = true;
  await runAll();
  e.target.disabled = false;
});
// For the scripted demo and tests.
window.shop = { placeOrder, runAll, sockets };
