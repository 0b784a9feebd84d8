/**
 * Timeline on canvas: a swimlane per socket, one row per operation, attempt bars from send
 * to ack/timeout joined by a line, late acks as red diamonds, verdict tint per row, the
 * connection band behind each lane and incoming events as ticks on the lane header.
 * Wheel/pinch zooms around the pointer, drag pans (time and rows), shift+wheel scrolls,
 * the overview strip above has a brush. Only visible rows are drawn (sessions can hold
 * hundreds of thousands of operations).
 */
import { useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';
import type { MetaInfo, OpLite } from '../data/source';
import { useView, useViewApi } from '../view-store';

const AXIS = 16;
const HEADER = 18;
const ROW = 14;
const BAR = 8;
const FOLLOW_SPAN = 30_000;

interface Lane {
  client: string;
  name: string;
  ops: OpLite[];
  top: number; // y of header in content coordinates
  conn: NonNullable<MetaInfo['sockets'][number]['connection']>;
  ticks: number[];
}

type Colors = Record<string, string>;
const VARS = [
  'bg', 'bg-alt', 'bg-selected', 'border', 'text', 'text-dim', 'text-faint', 'accent', 'grid', 'c-ok-bar', 'c-timeout', 'c-error',
  'c-disconnect', 'c-confirmed', 'c-possible', 'c-dedup', 'c-late', 'band-connected', 'band-disconnected', 'band-reconnecting',
  'row-confirmed', 'row-possible', 'row-dedup', 'bg-toolbar',
];
function readColors(el: Element): Colors {
  const cs = getComputedStyle(el);
  const c: Colors = {};
  for (const v of VARS) c[v] = cs.getPropertyValue(`--${v}`).trim() || '#888';
  return c;
}

function niceStep(spanMs: number, px: number): number {
  const target = (spanMs / Math.max(1, px)) * 90; // a label every ~90 px
  const steps = [0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000, 15_000, 30_000, 60_000, 120_000, 300_000, 600_000, 1_800_000, 3_600_000];
  return steps.find((s) => s >= target) ?? 3_600_000;
}

function axisLabel(ms: number, step: number): string {
  if (Math.abs(ms) < 1e-9) return '0';
  if (step < 1) return `${ms.toFixed(1)} ms`;
  if (step < 1000) return Math.abs(ms) < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(step < 100 ? 2 : 1)} s`;
  if (step < 60_000) return `${(ms / 1000).toFixed(0)} s`;
  return `${(ms / 60_000).toFixed(step < 60_000 ? 1 : 0)} min`;
}

export function Timeline({ ops, meta, origin }: { ops: readonly OpLite[]; meta: MetaInfo | null; origin: number }) {
  const api = useViewApi();
  const selected = useView((s) => s.selected);
  const win = useView((s) => s.window);
  const follow = useView((s) => s.follow);
  const wrap = useRef<HTMLDivElement>(null);
  const canvas = useRef<HTMLCanvasElement>(null);
  const over = useRef<HTMLCanvasElement>(null);
  const scrollEl = useRef<HTMLDivElement>(null);
  const [size, setSize] = useState({ w: 600, h: 200 });
  const [scrollY, setScrollY] = useState(0);
  const colors = useRef<Colors | null>(null);
  const [themeTick, setThemeTick] = useState(0);

  // Lanes and the data extent.
  const { lanes, height, tMin, tMax } = useMemo(() => {
    const byClient = new Map<string, OpLite[]>();
    for (const o of ops) {
      let l = byClient.get(o.client);
      if (!l) byClient.set(o.client, (l = []));
      l.push(o);
    }
    const sockets = meta?.sockets ?? [];
    // Lanes in the order the page created its sockets (client ids are `${frame}/c${n}`).
    const nat = (a: string, b: string) => a.localeCompare(b, 'en', { numeric: true });
    const order = [...new Set([...sockets.map((s) => s.client), ...byClient.keys()])].sort(nat);
    let y = 0;
    let lo = Infinity;
    let hi = -Infinity;
    const ticksBy = new Map<string, number[]>();
    for (const t of meta?.incoming ?? []) {
      let a = ticksBy.get(t.client);
      if (!a) ticksBy.set(t.client, (a = []));
      a.push(t.t);
      if (t.t > hi) hi = t.t;
    }
    const lanes: Lane[] = [];
    for (const client of order) {
      const lops = byClient.get(client) ?? [];
      const s = sockets.find((x) => x.client === client);
      if (!lops.length && !s) continue;
      lanes.push({ client, name: s?.socket ?? lops[0]?.socket ?? client, ops: lops, top: y, conn: s?.connection ?? [], ticks: ticksBy.get(client) ?? [] });
      y += HEADER + lops.length * ROW;
      for (const c of s?.connection ?? []) {
        if (c.from < lo) lo = c.from;
        if (c.to !== null && c.to > hi) hi = c.to;
      }
    }
    for (const o of ops) {
      if (o.firstSend < lo) lo = o.firstSend;
      const end = Math.max(o.lastActivity, o.firstSend);
      if (end > hi) hi = end;
    }
    if (!Number.isFinite(lo)) lo = origin;
    if (!Number.isFinite(hi) || hi <= lo) hi = lo + 1000;
    return { lanes, height: y, tMin: lo, tMax: hi };
  }, [ops, meta, origin]);

  // Visible window: explicit, following the end, or everything.
  const span = tMax - tMin;
  const pad = span * 0.03 + 20;
  let [t0, t1] = win ?? [tMin - pad, tMax + pad];
  if (follow && win) {
    const w = win[1] - win[0];
    t1 = tMax + pad;
    t0 = t1 - w;
  } else if (follow && span > FOLLOW_SPAN * 2) {
    // Following a long session: the newest FOLLOW_SPAN, not hours squeezed into the width.
    t1 = tMax + FOLLOW_SPAN * 0.03;
    t0 = t1 - FOLLOW_SPAN;
  }
  const viewH = Math.max(0, size.h - AXIS);
  const maxScroll = Math.max(0, height - viewH);
  const sy = follow ? maxScroll : Math.min(scrollY, maxScroll);

  useLayoutEffect(() => {
    const el = wrap.current;
    if (!el) return;
    const ro = new ResizeObserver(() => setSize({ w: el.clientWidth, h: el.clientHeight }));
    ro.observe(el);
    setSize({ w: el.clientWidth, h: el.clientHeight });
    return () => ro.disconnect();
  }, []);
  useEffect(() => {
    const mo = new MutationObserver(() => {
      colors.current = null;
      setThemeTick((t) => t + 1);
    });
    mo.observe(document.documentElement, { attributes: true, attributeFilter: ['data-theme'] });
    return () => mo.disconnect();
  }, []);
  // Keep the native scrollbar in step with our offset.
  useEffect(() => {
    if (scrollEl.current && Math.abs(scrollEl.current.scrollTop - sy) > 1) scrollEl.current.scrollTop = sy;
  }, [sy]);

  // Bring the selected operation into view (selection from the table or keyboard).
  const selPos = useMemo(() => {
    if (!selected) return null;
    for (const l of lanes) {
      const i = l.ops.findIndex((o) => o.id === selected);
      if (i >= 0) return { y: l.top + HEADER + i * ROW, op: l.ops[i] };
    }
    return null;
  }, [selected, lanes]);
  useEffect(() => {
    if (!selPos) return;
    const st = api.getState();
    let ny = st.follow ? maxScroll : scrollY;
    if (selPos.y < ny) ny = selPos.y - ROW;
    else if (selPos.y + ROW > ny + viewH) ny = selPos.y + ROW * 2 - viewH;
    ny = Math.max(0, Math.min(maxScroll, ny));
    if (ny !== scrollY) setScrollY(ny);
    const a = selPos.op.firstSend;
    const b = Math.max(selPos.op.lastActivity, a);
    if (a < t0 || b > t1) {
      const w = Math.max(t1 - t0, (b - a) * 1.4);
      const c = (a + b) / 2;
      st.set({ window: [c - w / 2, c + w / 2], follow: false });
    } else if (st.follow) st.set({ follow: false, window: [t0, t1] });
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [selPos]);

  // Draw.
  useEffect(() => {
    const cv = canvas.current;
    if (!cv) return;
    const dpr = window.devicePixelRatio || 1;
    const W = size.w;
    const H = size.h;
    if (cv.width !== Math.round(W * dpr) || cv.height !== Math.round(H * dpr)) {
      cv.width = Math.round(W * dpr);
      cv.height = Math.round(H * dpr);
    }
    const ctx = cv.getContext('2d');
    if (!ctx) return;
    const C = (colors.current ??= readColors(cv));
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, W, H);
    const plotW = W - 12;
    const x = (t: number) => ((t - t0) / (t1 - t0)) * plotW;
    ctx.font = '11px system-ui, Roboto, Ubuntu, Arial, sans-serif';
    ctx.textBaseline = 'middle';

    // Grid + axis labels.
    const step = niceStep(t1 - t0, plotW);
    const first = Math.ceil((t0 - origin) / step) * step + origin;
    ctx.fillStyle = C['bg-toolbar'];
    ctx.fillRect(0, 0, W, AXIS);
    ctx.strokeStyle = C.grid;
    ctx.lineWidth = 1;
    for (let t = first; t <= t1; t += step) {
      const gx = Math.round(x(t)) + 0.5;
      ctx.beginPath();
      ctx.moveTo(gx, AXIS);
      ctx.lineTo(gx, H);
      ctx.stroke();
      ctx.fillStyle = C['text-dim'];
      ctx.fillText(axisLabel(t - origin, step), gx + 3, AXIS / 2);
    }
    ctx.fillStyle = C.border;
    ctx.fillRect(0, AXIS - 1, W, 1);

    ctx.save();
    ctx.beginPath();
    ctx.rect(0, AXIS, W, H - AXIS);
    ctx.clip();
    const yOf = (cy: number) => cy - sy + AXIS;
    for (const lane of lanes) {
      const laneH = HEADER + lane.ops.length * ROW;
      const top = yOf(lane.top);
      if (top > H || top + laneH < AXIS) continue;
      // Connection band behind the whole lane.
      for (const c of lane.conn) {
        const a = Math.max(0, x(c.from));
        const b = Math.min(plotW, x(c.to ?? tMax));
        if (b <= a) continue;
        ctx.fillStyle = C[`band-${c.state}`] ?? C['band-connected'];
        ctx.fillRect(a, Math.max(top, AXIS), b - a, Math.min(laneH, H) );
        ctx.fillRect(a, top + HEADER - 3, b - a, 3);
      }
      // Header: name + incoming ticks.
      ctx.fillStyle = C.border;
      ctx.fillRect(0, top, W, 1);
      ctx.fillStyle = C.accent;
      for (const t of lane.ticks) {
        if (t < t0 || t > t1) continue;
        ctx.fillRect(Math.round(x(t)), top + 4, 1, HEADER - 8);
      }
      ctx.fillStyle = C.text;
      ctx.font = '600 11px system-ui, Roboto, Ubuntu, Arial, sans-serif';
      const label = `${lane.name}  ·  ${lane.ops.length.toLocaleString("en-US")} ${lane.ops.length === 1 ? "op" : "ops"}`;
      const tw = ctx.measureText(label).width;
      ctx.fillStyle = C.bg;
      ctx.globalAlpha = 0.8;
      ctx.fillRect(2, top + 2, tw + 8, HEADER - 5);
      ctx.globalAlpha = 1;
      ctx.fillStyle = C.text;
      ctx.fillText(label, 6, top + HEADER / 2);
      ctx.font = '11px system-ui, Roboto, Ubuntu, Arial, sans-serif';

      // Visible op rows only.
      const firstRow = Math.max(0, Math.floor((sy - lane.top - HEADER) / ROW));
      const lastRow = Math.min(lane.ops.length - 1, Math.ceil((sy + viewH - lane.top - HEADER) / ROW));
      for (let i = firstRow; i <= lastRow; i++) {
        const op = lane.ops[i];
        const ry = top + HEADER + i * ROW;
        if (op.id === selected) {
          ctx.fillStyle = C['bg-selected'];
          ctx.fillRect(0, ry, W, ROW);
        } else if (op.duplicate !== 'none') {
          ctx.fillStyle = op.duplicate === 'confirmed' ? C['row-confirmed'] : op.duplicate === 'possible' ? C['row-possible'] : C['row-dedup'];
          ctx.fillRect(0, ry, W, ROW);
        }
        const mid = ry + ROW / 2;
        const tries = op.tries;
        if (!tries.length) continue;
        const endOf = (k: number) => (Number.isNaN(tries[k].endAt) ? tMax : tries[k].endAt);
        // Retries joined by a thin line from the first send to the last end.
        const xa = x(tries[0].sentAt);
        const xb = x(endOf(tries.length - 1));
        if (xb < -50 || xa > plotW + 50) continue;
        if (tries.length > 1) {
          ctx.fillStyle = C['text-faint'];
          ctx.fillRect(xa, mid - 0.5, Math.max(1, xb - xa), 1);
        }
        for (let k = 0; k < tries.length; k++) {
          const tr = tries[k];
          const a = x(tr.sentAt);
          const b = x(endOf(k));
          ctx.fillStyle =
            tr.end === 'ack' ? C['c-ok-bar'] : tr.end === 'timeout' ? C['c-timeout'] : tr.end === 'disconnect' ? C['c-disconnect'] : tr.end === 'error' ? C['c-error'] : C.accent;
          if (tr.end === 'pending') ctx.globalAlpha = 0.5;
          // A 1px gap keeps back-to-back retries (timeout then re-send) visibly separate.
          const w = b - a;
          ctx.fillRect(a, mid - BAR / 2, Math.max(2, w > 4 ? w - 1 : w), BAR);
          ctx.globalAlpha = 1;
        }
        // Late acks on top: the server answered after the client gave up on that attempt.
        for (let k = 0; k < tries.length; k++) {
          const tr = tries[k];
          if (!tr.late.length) continue;
          const sx = x(tr.sentAt);
          for (const l of tr.late) {
            const lx = x(l);
            ctx.strokeStyle = C['c-late'];
            ctx.lineWidth = 1;
            ctx.setLineDash([2, 2]);
            ctx.beginPath();
            ctx.moveTo(sx, mid + BAR / 2 + 1.5);
            ctx.lineTo(lx, mid + BAR / 2 + 1.5);
            ctx.stroke();
            ctx.setLineDash([]);
            ctx.fillStyle = C['c-late'];
            ctx.beginPath();
            ctx.moveTo(lx, mid - 4.5);
            ctx.lineTo(lx + 4, mid);
            ctx.lineTo(lx, mid + 4.5);
            ctx.lineTo(lx - 4, mid);
            ctx.closePath();
            ctx.fill();
            ctx.strokeStyle = C.bg;
            ctx.stroke();
          }
        }
        // Label after the last bar when there is room.
        let lastX = xb;
        for (const tr of tries) for (const l of tr.late) lastX = Math.max(lastX, x(l) + 5);
        ctx.fillStyle = op.duplicate === 'confirmed' ? C['c-confirmed'] : C['text-dim'];
        const txt = `${op.event}${op.key ? ` ${op.key}` : ''}${op.attempts > 1 ? `  ×${op.attempts}` : ''}`;
        const tw = ctx.measureText(txt).width;
        // After the bars when it fits, else before them.
        if (lastX + 5 + tw < plotW) ctx.fillText(txt, lastX + 5, mid);
        else if (xa - 6 - tw > 0) ctx.fillText(txt, xa - 6 - tw, mid);
        else if (lastX + 40 < plotW) ctx.fillText(txt, lastX + 5, mid);
      }
    }
    ctx.restore();
  }, [lanes, size, t0, t1, sy, selected, viewH, tMax, origin, themeTick]);

  // Overview strip: whole session, density + duplicates, with the brush.
  useEffect(() => {
    const cv = over.current;
    if (!cv) return;
    const dpr = window.devicePixelRatio || 1;
    const W = size.w;
    const H = 27;
    if (cv.width !== Math.round(W * dpr)) cv.width = Math.round(W * dpr);
    if (cv.height !== Math.round(H * dpr)) cv.height = Math.round(H * dpr);
    const ctx = cv.getContext('2d');
    if (!ctx) return;
    const C = (colors.current ??= readColors(cv));
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, W, H);
    const lo = tMin - pad;
    const hi = tMax + pad;
    const n = Math.max(1, Math.floor(W / 2));
    const all = new Uint32Array(n);
    const dup = new Uint32Array(n);
    for (const o of ops) {
      const b = Math.min(n - 1, Math.max(0, Math.floor(((o.firstSend - lo) / (hi - lo)) * n)));
      all[b]++;
      if (o.duplicate === 'confirmed' || o.duplicate === 'possible') dup[b]++;
    }
    let max = 1;
    for (let i = 0; i < n; i++) if (all[i] > max) max = all[i];
    const bw = W / n;
    for (let i = 0; i < n; i++) {
      if (!all[i]) continue;
      const h = Math.max(1, (all[i] / max) * (H - 6));
      ctx.fillStyle = C['text-faint'];
      ctx.fillRect(i * bw, H - 2 - h, Math.max(1, bw - 0.5), h);
      if (dup[i]) {
        const dh = Math.max(2, (dup[i] / max) * (H - 6));
        ctx.fillStyle = C['c-confirmed'];
        ctx.fillRect(i * bw, H - 2 - dh, Math.max(1, bw - 0.5), dh);
      }
    }
    // Brush.
    const bx0 = ((t0 - lo) / (hi - lo)) * W;
    const bx1 = ((t1 - lo) / (hi - lo)) * W;
    ctx.fillStyle = C.accent;
    ctx.globalAlpha = 0.12;
    ctx.fillRect(bx0, 0, bx1 - bx0, H);
    ctx.globalAlpha = 1;
    ctx.strokeStyle = C.accent;
    ctx.strokeRect(Math.round(bx0) + 0.5, 0.5, Math.max(2, Math.round(bx1 - bx0) - 1), H - 1);
  }, [ops, size.w, tMin, tMax, pad, t0, t1, themeTick]);

  // Interaction.
  const drag = useRef<{ x: number; y: number; t0: number; t1: number; sy: number; moved: boolean } | null>(null);
  const [dragging, setDragging] = useState(false);
  const setWindow = (a: number, b: number) => {
    const min = 0.5;
    if (b - a < min) {
      const c = (a + b) / 2;
      a = c - min / 2;
      b = c + min / 2;
    }
    api.getState().set({ window: [a, b], follow: false });
  };
  const onWheel = (e: WheelEvent) => {
    e.preventDefault();
    const rect = (e.currentTarget as HTMLElement).getBoundingClientRect();
    if (e.shiftKey && !e.ctrlKey) {
      api.getState().set({ follow: false });
      setScrollY((y) => Math.max(0, Math.min(maxScroll, (api.getState().follow ? maxScroll : y) + e.deltaY)));
      return;
    }
    if (Math.abs(e.deltaX) > Math.abs(e.deltaY)) {
      const dt = (e.deltaX / (rect.width - 12)) * (t1 - t0);
      setWindow(t0 + dt, t1 + dt);
      return;
    }
    const px = (e.clientX - rect.left) / (rect.width - 12);
    const at = t0 + px * (t1 - t0);
    const f = Math.exp(e.deltaY * (e.ctrlKey ? 0.01 : 0.0025));
    setWindow(at - (at - t0) * f, at + (t1 - at) * f);
  };
  // React's onWheel is passive: attach a non-passive listener so preventDefault works.
  const body = useRef<HTMLDivElement>(null);
  const wheelRef = useRef(onWheel);
  wheelRef.current = onWheel;
  useEffect(() => {
    const el = body.current;
    if (!el) return;
    const h = (e: WheelEvent) => wheelRef.current(e);
    el.addEventListener('wheel', h, { passive: false });
    return () => el.removeEventListener('wheel', h);
  }, []);

  const hit = (clientX: number, clientY: number): OpLite | null => {
    const rect = canvas.current!.getBoundingClientRect();
    const cy = clientY - rect.top - AXIS + sy;
    void clientX;
    for (const l of lanes) {
      const rel = cy - l.top - HEADER;
      if (rel >= 0 && rel < l.ops.length * ROW) return l.ops[Math.floor(rel / ROW)];
    }
    return null;
  };

  const onOverviewDown = (e: React.PointerEvent<HTMLCanvasElement>) => {
    const rect = e.currentTarget.getBoundingClientRect();
    const lo = tMin - pad;
    const hi = tMax + pad;
    const toT = (cx: number) => lo + ((cx - rect.left) / rect.width) * (hi - lo);
    const start = toT(e.clientX);
    const inside = start >= t0 && start <= t1;
    const w0 = [t0, t1];
    e.currentTarget.setPointerCapture(e.pointerId);
    const move = (ev: PointerEvent) => {
      const t = toT(ev.clientX);
      if (inside) setWindow(w0[0] + (t - start), w0[1] + (t - start));
      else setWindow(Math.min(start, t), Math.max(start, t));
    };
    const up = () => {
      window.removeEventListener('pointermove', move);
      window.removeEventListener('pointerup', up);
    };
    window.addEventListener('pointermove', move);
    window.addEventListener('pointerup', up);
  };

  return (
    <div className="timeline" style={{ flex: 1 }} role="region" aria-label="Timeline">
      <div className="overview" title="Overview: drag to select a range, drag the highlighted range to move it, double-click to show all">
        <canvas
          ref={over}
          style={{ width: '100%', height: 27 }}
          aria-label="Timeline overview"
          role="img"
          onPointerDown={onOverviewDown}
          onDoubleClick={() => api.getState().set({ window: null, follow: false })}
        />
      </div>
      <div
        ref={(el) => {
          wrap.current = el;
          body.current = el;
        }}
        className={`tl-body${dragging ? ' dragging' : ''}`}
        data-testid="timeline"
        onPointerDown={(e) => {
          if (e.button !== 0 || (e.target as HTMLElement).closest('.tl-tools, .tl-scroll')) return;
          drag.current = { x: e.clientX, y: e.clientY, t0, t1, sy, moved: false };
          (e.currentTarget as HTMLElement).setPointerCapture(e.pointerId);
        }}
        onPointerMove={(e) => {
          const d = drag.current;
          if (!d) return;
          const dx = e.clientX - d.x;
          const dy = e.clientY - d.y;
          if (!d.moved && Math.abs(dx) + Math.abs(dy) < 4) return;
          if (!d.moved) setDragging(true);
          d.moved = true;
          const dt = (dx / Math.max(1, size.w - 12)) * (d.t1 - d.t0);
          setWindow(d.t0 - dt, d.t1 - dt);
          setScrollY(Math.max(0, Math.min(maxScroll, d.sy - dy)));
        }}
        onPointerUp={(e) => {
          const d = drag.current;
          drag.current = null;
          setDragging(false);
          if (d && !d.moved) {
            const op = hit(e.clientX, e.clientY);
            if (op) api.getState().set({ selected: op.id, follow: false });
          }
        }}
        onDoubleClick={(e) => {
          const op = hit(e.clientX, e.clientY);
          if (op) api.getState().set({ selected: op.id, detailOpen: true, follow: false });
        }}
      >
        <canvas ref={canvas} className="tl-canvas" style={{ width: size.w, height: size.h }} role="img" aria-label={`Timeline of ${ops.length} operations`} />
        <div
          className="tl-scroll"
          ref={scrollEl}
          style={{ top: AXIS }}
          onScroll={(e) => {
            const v = e.currentTarget.scrollTop;
            if (Math.abs(v - sy) > 1) {
              api.getState().set({ follow: false, ...(api.getState().window ? {} : {}) });
              setScrollY(v);
            }
          }}
        >
          <div style={{ height: height + 1 }} />
        </div>
      </div>
      <div className="tl-footer">
        <button
          className="tb-btn"
          aria-pressed={follow}
          title="Follow live: keep the newest operations in view"
          onClick={() => api.getState().set({ follow: !follow, selected: follow ? api.getState().selected : null })}
        >
          Follow live
        </button>
        <button className="tb-btn" title="Show the whole session (double-click the overview)" onClick={() => api.getState().set({ window: null, follow: false })}>
          Fit
        </button>
        <span className="faint tl-hint">wheel: zoom · drag: pan · shift+wheel: scroll</span>
        <span style={{ flex: 1 }} />
        <span className="tl-legend" aria-hidden="true">
          <span className="lg"><i style={{ background: 'var(--c-ok-bar)' }} />ack</span>
          <span className="lg"><i style={{ background: 'var(--c-timeout)' }} />timeout</span>
          <span className="lg"><i style={{ background: 'var(--c-disconnect)' }} />disconnect</span>
          <span className="lg" style={{ color: 'var(--c-late)' }}>◆ late ack</span>
          <span className="lg"><i style={{ background: 'var(--row-confirmed)', outline: '1px solid var(--c-confirmed)' }} />duplicate</span>
          <span className="lg"><i style={{ background: 'var(--row-dedup)', outline: '1px solid var(--c-dedup)' }} />deduplicated</span>
          <span className="lg"><i style={{ background: 'var(--band-disconnected)' }} />offline</span>
          <span className="lg"><i style={{ background: 'var(--accent)', width: 1, height: 8 }} />incoming</span>
        </span>
      </div>
    </div>
  );
}
