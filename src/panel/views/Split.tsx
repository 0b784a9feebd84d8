import { useRef, useState, type ReactNode } from 'react';

function load(key: string, dflt: number): number {
  try {
    const v = Number(globalThis.localStorage?.getItem(key));
    return v > 0.1 && v < 0.9 ? v : dflt;
  } catch {
    return dflt;
  }
}

/** Top/bottom split with a draggable divider; the ratio is remembered. */
export function SplitV({ top, bottom, initial, storageKey }: { top: ReactNode; bottom: ReactNode; initial: number; storageKey: string }) {
  const [ratio, setRatio] = useState(() => load(storageKey, initial));
  const box = useRef<HTMLDivElement>(null);
  const onDown = (e: React.PointerEvent) => {
    const el = box.current;
    if (!el) return;
    (e.target as HTMLElement).setPointerCapture(e.pointerId);
    const rect = el.getBoundingClientRect();
    const move = (ev: PointerEvent) => {
      const r = Math.min(0.85, Math.max(0.12, (ev.clientY - rect.top) / rect.height));
      setRatio(r);
      try {
        localStorage.setItem(storageKey, String(r));
      } catch {
        /* storage unavailable */
      }
    };
    const up = () => {
      window.removeEventListener('pointermove', move);
      window.removeEventListener('pointerup', up);
    };
    window.addEventListener('pointermove', move);
    window.addEventListener('pointerup', up);
  };
  return (
    <div className="split-v" ref={box}>
      <div style={{ flex: `0 0 ${ratio * 100}%`, minHeight: 0, display: 'flex', flexDirection: 'column' }} className="pane-border-b">
        {top}
      </div>
      <div className="resizer-v" role="separator" aria-orientation="horizontal" aria-label="Resize timeline" onPointerDown={onDown} />
      <div style={{ flex: 1, minHeight: 0, display: 'flex', flexDirection: 'column' }}>{bottom}</div>
    </div>
  );
}
