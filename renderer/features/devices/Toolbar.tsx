import { useEffect, useState, type FormEvent } from 'react';
import type { AdapterChoice } from '../../../common/contract/devices';
import { nvr } from '../../src/api';

/** Runs one action at a time per form and keeps its outcome as a readable line. */
function useAction() {
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<{ ok: boolean; text: string }>();
  const run = async (f: () => Promise<string>) => {
    setBusy(true);
    setMessage(undefined);
    try {
      setMessage({ ok: true, text: await f() });
    } catch (e) {
      setMessage({ ok: false, text: e instanceof Error ? e.message : String(e) });
    } finally {
      setBusy(false);
    }
  };
  return { busy, message, run };
}

function Outcome({ message, testId }: { message: { ok: boolean; text: string } | undefined; testId: string }) {
  if (!message) return null;
  return (
    <span role={message.ok ? 'status' : 'alert'} data-testid={testId} className={message.ok ? 'ok' : 'bad'}>
      {message.text}
    </span>
  );
}

export function AdapterPicker() {
  const [choice, setChoice] = useState<AdapterChoice>();
  const action = useAction();
  useEffect(() => {
    nvr.devices.interfaces().then(setChoice, () => undefined);
  }, []);
  if (!choice) return null;
  const toggle = (address: string, on: boolean) => {
    const next = on ? [...new Set([...choice.selected, address])] : choice.selected.filter((a) => a !== address);
    if (next.length === 0) return;
    void action.run(async () => {
      const c = await nvr.devices.setInterfaces({ addresses: next });
      setChoice(c);
      return `Discovering on ${c.selected.join(', ')}`;
    });
  };
  return (
    <fieldset className="dev-adapters" disabled={action.busy}>
      <legend>Network adapters</legend>
      {choice.available.map((a) => (
        <label key={`${a.name}-${a.address}`}>
          <input type="checkbox" checked={choice.selected.includes(a.address)} onChange={(e) => toggle(a.address, e.target.checked)} />
          {a.name} <span className="mono">{a.address}/{a.prefix}</span>
          {a.internal ? ' (loopback)' : ''}
        </label>
      ))}
      <Outcome message={action.message} testId="adapter-outcome" />
    </fieldset>
  );
}

export function ScanButton({ scanning }: { scanning: boolean }) {
  const action = useAction();
  return (
    <span>
      <button
        type="button"
        className="primary"
        disabled={scanning || action.busy}
        onClick={() => void action.run(async () => `Scan done: ${(await nvr.devices.scan({ timeoutMs: 3000 })).devices.length} device(s)`)}
      >
        {scanning || action.busy ? 'Scanning…' : 'Scan again'}
      </button>{' '}
      <Outcome message={action.message} testId="scan-outcome" />
    </span>
  );
}

export function ManualAdd() {
  const [target, setTarget] = useState('');
  const action = useAction();
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void action.run(async () => {
      const d = await nvr.devices.addManual({ target: target.trim() });
      return `Added ${d.addresses.join(', ')}`;
    });
  };
  return (
    <form className="dev-form" onSubmit={submit} aria-label="Add a device by address">
      <label>
        Add by IP or host name[:port]
        <input value={target} onChange={(e) => setTarget(e.target.value)} placeholder="192.168.1.108 or nvr.local:8080" maxLength={260} required />
      </label>
      <button type="submit" disabled={action.busy || !target.trim()}>
        {action.busy ? 'Adding…' : 'Add'}
      </button>
      <Outcome message={action.message} testId="add-outcome" />
    </form>
  );
}

export function Sweep({ progress }: { progress?: { done?: number; total?: number } }) {
  const [range, setRange] = useState('');
  const [ports, setPorts] = useState('');
  const action = useAction();
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void action.run(async () => {
      const list = ports.trim() ? ports.split(',').map((p) => Number(p.trim())) : undefined;
      const r = await nvr.devices.sweep({ range: range.trim(), ...(list ? { ports: list } : {}) });
      return `Sweep done: ${r.found} of ${r.probed} address(es) answered`;
    });
  };
  return (
    <form className="dev-form" onSubmit={submit} aria-label="Sweep a range">
      <label>
        Sweep range (CIDR, at most /16)
        <input value={range} onChange={(e) => setRange(e.target.value)} placeholder="192.168.1.0/24" maxLength={64} required />
      </label>
      <label>
        ONVIF ports (optional)
        <input value={ports} onChange={(e) => setPorts(e.target.value)} placeholder="80,8000,8080" maxLength={40} className="short" />
      </label>
      <button type="submit" disabled={action.busy || !range.trim()}>
        {action.busy ? 'Sweeping…' : 'Sweep'}
      </button>
      {action.busy && progress?.total ? (
        <progress aria-label="Sweep progress" max={progress.total} value={progress.done ?? 0} />
      ) : null}
      <Outcome message={action.message} testId="sweep-outcome" />
    </form>
  );
}

export function FactoryDefaults() {
  const action = useAction();
  return (
    <span className="dev-factory">
      <button
        type="button"
        disabled={action.busy}
        title="Probes 192.168.1.108 (Dahua), 192.168.1.64 and 192.0.0.64 (Hikvision): devices still on factory settings"
        onClick={() =>
          void action.run(async () => {
            const r = await nvr.devices.checkFactoryDefaults();
            return r.found.length ? `Found ${r.found.length} device(s) on factory-default addresses` : `Nothing answered at ${r.probed.join(', ')}`;
          })
        }
      >
        {action.busy ? 'Checking…' : 'Check factory-default addresses'}
      </button>{' '}
      <Outcome message={action.message} testId="factory-outcome" />
    </span>
  );
}
