import { useState } from 'react';

/** Copy with the async clipboard API, falling back to execCommand (DevTools panels may deny the former). */
export async function copyText(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    const ta = document.createElement('textarea');
    ta.value = text;
    ta.style.position = 'fixed';
    ta.style.opacity = '0';
    document.body.appendChild(ta);
    ta.select();
    let ok = false;
    try {
      ok = document.execCommand('copy');
    } catch {
      ok = false;
    }
    ta.remove();
    return ok;
  }
}

export function CopyButton({ text, label = 'Copy' }: { text: string; label?: string }) {
  const [done, setDone] = useState<null | boolean>(null);
  return (
    <button
      className="tb-btn"
      aria-label={label}
      title={label}
      onClick={async () => {
        const ok = await copyText(text);
        setDone(ok);
        setTimeout(() => setDone(null), 1500);
      }}
    >
      {done === null ? 'Copy' : done ? 'Copied' : 'Copy failed'}
    </button>
  );
}
