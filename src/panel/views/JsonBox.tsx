import { JsonView } from 'react-json-view-lite';
import type { Preview } from '../../core/protocol';
import { CopyButton } from './CopyButton';

// react-json-view-lite: small, dependency-free, fast on large values; styled with our classes.
const STYLE = {
  container: 'jv-container',
  basicChildStyle: 'jv-child',
  label: 'jv-label',
  clickableLabel: 'jv-label',
  nullValue: 'jv-null',
  undefinedValue: 'jv-undefined',
  stringValue: 'jv-string',
  booleanValue: 'jv-boolean',
  numberValue: 'jv-number',
  otherValue: 'jv-string',
  punctuation: 'jv-punct',
  expandIcon: 'jv-expander',
  collapseIcon: 'jv-expander',
  collapsedContent: 'jv-collapsed',
  noQuotesForStringValues: false,
  quotesForFieldNames: false,
  stringifyStringValues: false,
  ariaLables: { collapseJson: 'collapse JSON', expandJson: 'expand JSON' },
  childFieldsContainer: 'jv-fields',
};

/** Arguments preview: a tree when it is complete JSON, the raw (cut) text otherwise. */
export function JsonBox({ preview, label }: { preview: Preview | null | undefined; label: string }) {
  if (!preview) return <div className="faint">none</div>;
  let data: unknown = undefined;
  if (!preview.truncated) {
    try {
      data = JSON.parse(preview.json);
    } catch {
      data = undefined;
    }
  }
  return (
    <div>
      <div className="copy-row faint">
        <span>
          {preview.size.toLocaleString('en-US')} bytes{preview.truncated ? ' · preview cut' : ''}
          {preview.binary ? ` · ${preview.binary.count} binary attachment(s), ${preview.binary.bytes} bytes (content not recorded)` : ''}
        </span>
        <CopyButton text={preview.json} label={`Copy ${label}`} />
      </div>
      <div className="json" aria-label={label}>
        {data !== undefined && data !== null && typeof data === 'object' ? (
          <JsonView data={data as object} style={STYLE} shouldExpandNode={(level) => level < 2} />
        ) : (
          <pre className="json-raw mono">{preview.json}</pre>
        )}
      </div>
    </div>
  );
}
