import { useEffect, useState, type FormEvent } from 'react';
import type { AdapterChoice } from '../../../common/contract/devices';
import { AppError } from '../../../common/contract/define';
import { targetFromPaste } from '../../../common/paste-target';
import { nvr } from '../../src/api';
import { useAction } from '../../src/use-action';

/** A success line goes away by itself after this long; an error stays until the next try or an edit. */
const OK_MESSAGE_MS = 8000;

/**
 * The shared useAction, keeping a success line too: one action at a time per
 * form, its outcome as a readable line. `onError` may take an error as a
 * question instead (true: handled, no error line).
 */
function useOutcome() {
  const [run, error, busy, setError] = useAction();
  const [done, setDone] = useState<string>();
  useEffect(() => {
    if (done === undefined) return;
    const t = setTimeout(() => setDone(undefined), OK_MESSAGE_MS);
    return () => clearTimeout(t);
  }, [done]);
  const go = (f: () => Promise<string>, onError?: (e: unknown) => boolean) => {
    setDone(undefined);
    return run(async () => {
      try {
        setDone(await f());
      } catch (e) {
        if (!onError?.(e)) throw e;
      }
    });
  };
  const message = done !== undefined ? { ok: true, text: done } : error !== undefined ? { ok: false, text: error } : undefined;
  return { busy, message, run: go, clear: () => (setDone(undefined), setError(undefined)) };
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
  const action = useOutcome();
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
  const action = useOutcome();
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
  const action = useOutcome();
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void action.run(async () => {
      // A pasted device-service URL becomes host:port here; main checks what is left.
      const { target: t, fromUrl } = targetFromPaste(target);
      if (fromUrl) setTarget(t);
      const d = await nvr.devices.addManual({ target: t });
      return `Added ${d.addresses.join(', ')}${fromUrl ? ` (host and port taken from the pasted address)` : ''}`;
    });
  };
  return (
    <form className="dev-form" onSubmit={submit} aria-label="Add a device by address">
      <label>
        Add by IP or host name[:port]
        <input
          value={target}
          onChange={(e) => (setTarget(e.target.value), action.clear())}
          placeholder="192.168.1.108:8000 or a pasted URL"
          maxLength={2048}
          required
        />
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
  const [askWide, setAskWide] = useState<string>();
  const action = useOutcome();
  const sweep = (confirmWide: boolean) => {
    setAskWide(undefined);
    void action.run(
      async () => {
        const list = ports.trim() ? ports.split(',').map((p) => Number(p.trim())) : undefined;
        const r = await nvr.devices.sweep({ range: range.trim(), ...(list ? { ports: list } : {}), ...(confirmWide ? { confirmWide } : {}) });
        return `Sweep done: ${r.found} of ${r.probed} address(es) answered`;
      },
      (e) => {
        // Not a failure: main asks first before sweeping a range outside the chosen adapters.
        if (!(e instanceof AppError) || e.code !== 'confirm-wide-range') return false;
        setAskWide(typeof e.params?.range === 'string' ? e.params.range : range.trim());
        return true;
      },
    );
  };
  const submit = (e: FormEvent) => {
    e.preventDefault();
    sweep(false);
  };
  return (
    <form className="dev-form" onSubmit={submit} aria-label="Sweep a range">
      <label>
        Sweep range (CIDR, at most /16)
        <input value={range} onChange={(e) => (setRange(e.target.value), action.clear(), setAskWide(undefined))} placeholder="192.168.1.0/24" maxLength={64} required />
      </label>
      <label>
        ONVIF ports (optional)
        <input value={ports} onChange={(e) => (setPorts(e.target.value), action.clear())} placeholder="80,8000,8080" maxLength={40} className="short" />
      </label>
      <button type="submit" disabled={action.busy || !range.trim()}>
        {action.busy ? 'Sweeping…' : 'Sweep'}
      </button>
      {action.busy && progress?.total ? (
        <span className="dev-progress">
          <progress aria-label="Sweep progress" max={progress.total} value={progress.done ?? 0} />{' '}
          <span data-testid="sweep-count">
            {progress.done ?? 0} / {progress.total}
          </span>
        </span>
      ) : null}
      {askWide && (
        <span role="alertdialog" aria-label="Confirm a wide sweep" className="dev-confirm" data-testid="confirm-wide">
          This range ({askWide}) is outside the adapters you chose, so it may reach a network that is not the customer’s. Sweep anyway?{' '}
          <button type="button" onClick={() => sweep(true)}>
            Sweep anyway
          </button>{' '}
          <button type="button" onClick={() => setAskWide(undefined)}>
            Cancel
          </button>
        </span>
      )}
      <Outcome message={action.message} testId="sweep-outcome" />
    </form>
  );
}

export function FactoryDefaults() {
  const action = useOutcome();
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
