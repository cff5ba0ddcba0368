import type { Diagnostic } from '../../../common/contract/devices';

/** Every dropped or flagged datagram/document with its reason: why a device the technician expects is missing. */
export function DiagnosticsPanel({ diagnostics }: { diagnostics: Diagnostic[] }) {
  const dropped = diagnostics.filter((d) => d.action === 'dropped').length;
  return (
    <details className="dev-diagnostics" data-testid="diagnostics">
      <summary>
        Diagnostics: {dropped} dropped, {diagnostics.length - dropped} flagged
      </summary>
      {diagnostics.length === 0 ? (
        <p>Nothing dropped or flagged.</p>
      ) : (
        <ul aria-label="Dropped and flagged answers">
          {[...diagnostics].reverse().slice(0, 200).map((d, i) => (
            <li key={`${d.at}-${i}`} data-testid="diagnostic" data-reason={d.reason} className={d.action}>
              <time>{new Date(d.at).toLocaleTimeString()}</time> <strong>{d.action}</strong> {d.protocol} <span className="mono">{d.source}</span> — {d.reason}: {d.detail}
            </li>
          ))}
        </ul>
      )}
    </details>
  );
}
