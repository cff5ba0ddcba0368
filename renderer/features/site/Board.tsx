import { useEffect, useState } from 'react';
import type { SiteLoopState } from '../../../common/contract/site';
import type { InventoryDevice } from '../../../common/domain/device';
import { useClockOffset } from '../../src/data';
import { Status } from '../../src/status';
import { channelTitle, nextStepOf, notRecording, tileStatus } from './board-model';
import { TileSnapshot } from './Snapshot';

export function cameraName(devices: Map<string, InventoryDevice>, id: string | undefined): string | undefined {
  const d = id ? devices.get(id) : undefined;
  return d ? (d.name ?? d.model ?? d.addresses[0]) : undefined;
}

/** Seconds left in the channel watch, ticking while the run goes on. */
function useWatchLeft(loop: SiteLoopState): number | undefined {
  const offset = useClockOffset();
  const [now, setNow] = useState(() => Date.now() + offset);
  useEffect(() => {
    if (!loop.running) return;
    const t = setInterval(() => setNow(Date.now() + offset), 1000);
    return () => clearInterval(t);
  }, [loop.running, offset]);
  return loop.watchUntil !== undefined ? Math.max(0, Math.ceil((loop.watchUntil - now) / 1000)) : undefined;
}

/** The live board: one tile per NVR channel (its title, status as icon + colour + word, picture), and what does not record. */
export function Board({ loop, devices, names }: { loop: SiteLoopState; devices: Map<string, InventoryDevice>; names: ReadonlyMap<number, string> }) {
  const left = useWatchLeft(loop);
  const missing = loop.running ? [] : notRecording(loop.results, names);
  return (
    <div data-testid="site-board">
      <div className="summary" tabIndex={-1} data-focus-home="" data-testid="site-summary-box">
        <p role="status" aria-live="polite" data-testid="site-summary" data-running={String(loop.running)}>
          {loop.summary ?? (loop.running ? 'Changing the cameras and the NVR…' : '')}
          {loop.running && left !== undefined && <span data-testid="site-countdown"> Watching the channels reconnect: {left} s left.</span>}
        </p>
        {missing.length > 0 && (
          <ul className="not-recording" aria-label="Channels not recording with the new password" data-testid="site-not-recording">
            {missing.map((m) => (
              <li key={m}>{m}</li>
            ))}
          </ul>
        )}
      </div>
      {loop.error && (
        <p role="alert" className="error">
          {loop.error}
        </p>
      )}
      <ul className="tiles">
        {loop.results.map((r) => (
          <Tile key={r.channel} r={r} devices={devices} names={names} runId={loop.syncRunId} />
        ))}
      </ul>
    </div>
  );
}

function Tile({ r, devices, names, runId }: { r: SiteLoopState['results'][number]; devices: Map<string, InventoryDevice>; names: ReadonlyMap<number, string>; runId: string | undefined }) {
  const next = nextStepOf(r);
  const status = tileStatus(r.outcome);
  const camera = cameraName(devices, r.deviceId) ?? r.address;
  const title = channelTitle(r.channel, names);
  return (
    <li className={`tile t-${status.tone}`} data-testid="site-tile" data-outcome={r.outcome ?? 'pending'} data-channel={r.channel}>
      <h4 className="tile-title" data-testid="site-tile-title">
        {title}
      </h4>
      <Status tone={status.tone} testId="site-tile-status">
        {status.word}
      </Status>
      <div data-testid="site-tile-camera" className="hint">
        {camera}
      </div>
      {r.outcome && <TileSnapshot runId={runId} channel={r.channel} camera={camera ?? `on channel ${r.channel}`} title={title} />}
      <p className="hint">{r.detail}</p>
      {next && (
        <p className="hint next" data-testid="site-tile-next">
          Next: {next}
        </p>
      )}
    </li>
  );
}
