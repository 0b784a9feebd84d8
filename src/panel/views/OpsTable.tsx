import { useEffect, useRef } from 'react';
import { useVirtualizer } from '@tanstack/react-virtual';
import type { OpLite } from '../data/source';
import { useView, useViewApi, type SortKey } from '../view-store';
import { fmtMs, fmtOffset, OUTCOME_LABEL, VERDICT_LABEL } from '../format';

const ROW = 20;
const COLS: Array<{ key: SortKey; label: string; num?: boolean; title: string }> = [
  { key: 'time', label: 'Time', num: true, title: 'First send, from the start of the session' },
  { key: 'socket', label: 'Socket', title: 'Namespace and client instance' },
  { key: 'event', label: 'Event', title: 'Event name' },
  { key: 'key', label: 'Key', title: 'Idempotency key found in the payload' },
  { key: 'attempts', label: 'Attempts', num: true, title: 'Times the operation was sent' },
  { key: 'outcome', label: 'Outcome', title: 'What the app saw' },
  { key: 'duplicate', label: 'Duplicate', title: 'Did the server receive it more than once?' },
  { key: 'latency', label: 'Latency', num: true, title: 'First send to the first on-time ack' },
];

export function OpsTable({ rows, origin }: { rows: readonly OpLite[]; origin: number }) {
  const api = useViewApi();
  const selected = useView((s) => s.selected);
  const sort = useView((s) => s.sort);
  const follow = useView((s) => s.follow);
  const scroller = useRef<HTMLDivElement>(null);
  const v = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW,
    overscan: 12,
    initialRect: { width: 800, height: 400 },
  });
  const selIndex = selected ? rows.findIndex((r) => r.id === selected) : -1;

  // Keep the selected row visible when the selection comes from the timeline or the keyboard.
  useEffect(() => {
    if (selIndex >= 0) v.scrollToIndex(selIndex, { align: 'auto' });
  }, [selIndex, v]);

  // Follow live: newest rows at the bottom stay in view (time ascending only).
  const liveTail = follow && sort.key === 'time' && sort.dir === 1;
  useEffect(() => {
    // Past the end is clamped by the browser at its next layout: no forced synchronous layout
    // per live update (scrollToIndex measures the scroller).
    if (liveTail && rows.length && selIndex < 0 && scroller.current) scroller.current.scrollTop = 1e9;
  }, [liveTail, rows.length, selIndex]);

  const move = (to: number) => {
    if (!rows.length) return;
    const i = Math.max(0, Math.min(rows.length - 1, to));
    api.getState().set({ selected: rows[i].id, follow: false });
  };
  const onKey = (e: React.KeyboardEvent) => {
    const page = Math.max(1, Math.floor((scroller.current?.clientHeight ?? 200) / ROW) - 1);
    const cur = selIndex < 0 ? (e.key === 'ArrowUp' ? rows.length : -1) : selIndex;
    switch (e.key) {
      case 'ArrowDown':
        move(cur + 1);
        break;
      case 'ArrowUp':
        move(cur - 1);
        break;
      case 'PageDown':
        move(cur + page);
        break;
      case 'PageUp':
        move(cur - page);
        break;
      case 'Home':
        move(0);
        break;
      case 'End':
        move(rows.length - 1);
        break;
      case 'Enter':
        if (selected) api.getState().set({ detailOpen: true });
        break;
      case 'Escape':
        if (api.getState().detailOpen) api.getState().set({ detailOpen: false });
        else api.getState().set({ selected: null });
        break;
      default:
        return;
    }
    e.preventDefault();
  };

  return (
    <div
      className="table"
      role="grid"
      aria-label="Operations"
      aria-rowcount={rows.length + 1}
      aria-multiselectable={false}
      tabIndex={0}
      data-testid="ops-table"
      onKeyDown={onKey}
    >
      <div className="thead" role="row" aria-rowindex={1}>
        {COLS.map((c) => (
          <div
            key={c.key}
            role="columnheader"
            className={`th c-${c.key}`}
            title={c.title}
            aria-sort={sort.key === c.key ? (sort.dir === 1 ? 'ascending' : 'descending') : 'none'}
            onClick={() =>
              api.getState().set({ sort: { key: c.key, dir: sort.key === c.key ? ((-sort.dir) as 1 | -1) : 1 } })
            }
          >
            {c.label}
            {sort.key === c.key && <span className="arrow">{sort.dir === 1 ? '▲' : '▼'}</span>}
          </div>
        ))}
      </div>
      <div
        className="tbody"
        ref={scroller}
        onScroll={(e) => {
          const el = e.currentTarget;
          const atEnd = el.scrollTop + el.clientHeight >= el.scrollHeight - ROW;
          if (atEnd !== api.getState().follow && !api.getState().selected) api.getState().set({ follow: atEnd });
        }}
      >
        <div style={{ height: v.getTotalSize(), position: 'relative' }} role="presentation">
          {v.getVirtualItems().map((vi) => {
            const op = rows[vi.index];
            return (
              <div
                key={op.id}
                role="row"
                aria-rowindex={vi.index + 2}
                aria-selected={op.id === selected}
                data-op={op.id}
                className={`tr${vi.index % 2 ? ' odd' : ''}${op.duplicate !== 'none' ? ` v-${op.duplicate}` : ''}`}
                style={{ transform: `translateY(${vi.start}px)` }}
                onClick={() => api.getState().set({ selected: op.id, follow: false })}
                onDoubleClick={() => api.getState().set({ selected: op.id, detailOpen: true })}
              >
                <div role="gridcell" className="td num c-time mono">
                  {fmtOffset(op.firstSend, origin)}
                </div>
                <div role="gridcell" className="td c-socket" title={op.socket}>
                  {op.socket}
                </div>
                <div role="gridcell" className="td c-event" title={op.event}>
                  {op.event}
                </div>
                <div role="gridcell" className="td c-key mono" title={op.key ?? ''}>
                  {op.key ?? <span className="faint">—</span>}
                </div>
                <div role="gridcell" className="td num c-attempts">
                  {op.attempts}
                  {op.lateAcks > 0 && (
                    <span className="late-mark" title={`${op.lateAcks} late ack(s): the server answered after the client gave up`}>
                      ◆{op.lateAcks}
                    </span>
                  )}
                </div>
                <div role="gridcell" className={`td c-outcome o-${op.outcome}`}>
                  {OUTCOME_LABEL[op.outcome]}
                </div>
                <div role="gridcell" className="td c-duplicate">
                  {op.duplicate !== 'none' && <span className={`badge b-${op.duplicate}`}>{VERDICT_LABEL[op.duplicate]}</span>}
                </div>
                <div role="gridcell" className="td num c-latency">
                  {fmtMs(op.latency)}
                </div>
              </div>
            );
          })}
        </div>
      </div>
    </div>
  );
}
