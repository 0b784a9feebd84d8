import type { MetaInfo, OpLite } from '../data/source';
import type { Finding } from '../../core/analysis/types';
import { useViewApi } from '../view-store';
import { CopyButton } from './CopyButton';

const ORDER = { error: 0, warning: 1, info: 2 } as const;
const ICON = { error: 'icon-err', warning: 'icon-warn', info: 'icon-info' } as const;

export function Findings({ meta, ops }: { meta: MetaInfo | null; ops: readonly OpLite[] }) {
  const api = useViewApi();
  const findings = [...(meta?.findings ?? [])].sort((a, b) => ORDER[a.severity] - ORDER[b.severity]);
  const reco = meta?.recommended;
  const known = new Map(ops.map((o) => [o.id, o]));
  const openOp = (id: string) => api.getState().set({ tab: 'operations', selected: id, detailOpen: true, follow: false, filter: '' });
  return (
    <div className="findings" data-testid="findings">
      {findings.length === 0 && (
        <div className="empty-card" style={{ padding: 16 }}>
          <h2>No findings</h2>
          <p>The settings lint found nothing to report for this session so far.</p>
        </div>
      )}
      <div role="list" aria-label="Findings">
        {findings.map((f, i) => (
          <FindingRow key={i} f={f} known={known} openOp={openOp} />
        ))}
      </div>
      {reco && (
        <div className="reco">
          <h3>Recommended client configuration</h3>
          <p>Derived from the latencies observed in this session. Retries only pay off with a server that ignores repeats.</p>
          <div className="copy-row">
            <span className="faint">socket.io-client</span>
            <CopyButton text={reco.clientSnippet} label="Copy client config" />
          </div>
          <pre className="snippet mono" data-testid="client-snippet">
            {reco.clientSnippet}
          </pre>
          <h3>Server idempotency</h3>
          <p>
            Make the handler idempotent: claim the key before doing the work and replay the first result. <code>ackscope/server</code>{' '}
            ships this as <code>idempotent(handler, {'{ store }'})</code>.
          </p>
          <div className="copy-row">
            <span className="faint">single process (MemoryStore)</span>
            <CopyButton text={reco.serverSnippetMemory} label="Copy server snippet (memory)" />
          </div>
          <pre className="snippet mono">{reco.serverSnippetMemory}</pre>
          <div className="copy-row">
            <span className="faint">several processes (Redis)</span>
            <CopyButton text={reco.serverSnippetRedis} label="Copy server snippet (Redis)" />
          </div>
          <pre className="snippet mono">{reco.serverSnippetRedis}</pre>
        </div>
      )}
    </div>
  );
}

function opLabel(o: OpLite): string {
  return `${o.event}${o.key ? ` ${o.key}` : ''}`;
}

function FindingRow({ f, known, openOp }: { f: Finding; known: Map<string, OpLite>; openOp(id: string): void }) {
  const ops = (f.ops ?? []).filter((id) => known.has(id));
  return (
    <div className="finding" role="listitem" data-rule={f.rule}>
      <span className={ICON[f.severity]} aria-label={f.severity} style={{ marginTop: 2 }}>
        {f.severity === 'info' ? 'i' : '!'}
      </span>
      <div>
        <div>
          <span className="rule mono">{f.rule}</span>
          {f.socket && <span className="dim"> · {f.socket}</span>}
        </div>
        <div className="msg">{f.message}</div>
        {f.fix && <div className="fix">Fix: {f.fix}</div>}
        {ops.length > 0 && (
          <div className="ops">
            <span className="dim">Operations:</span>
            {ops.slice(0, 12).map((id) => (
              <button key={id} className="link mono" title={id} onClick={() => openOp(id)}>
                {opLabel(known.get(id)!)}
              </button>
            ))}
            {ops.length > 12 && <span className="faint">+{ops.length - 12} more</span>}
          </div>
        )}
        {f.evidence !== undefined && f.evidence !== null && (
          <details>
            <summary>Evidence</summary>
            <pre className="snippet mono">{JSON.stringify(f.evidence, null, 2)}</pre>
          </details>
        )}
      </div>
    </div>
  );
}
