import { refreshSiteSnapshot, useSiteSnapshot } from '../../src/data';
import { explain } from '../../src/errors';
import { useAction } from '../../src/use-action';
import './snapshot.css';

/**
 * A board tile's current picture from its camera, so the technician sees which
 * camera is which; or, where the app holds no proven password for the camera
 * (or the camera offers no picture), why not.
 */
export function TileSnapshot({ runId, channel, camera, title }: { runId: string | undefined; channel: number; camera: string; title?: string }) {
  const q = useSiteSnapshot(runId, channel);
  const [run, error, busy] = useAction();
  const refresh = () => void run(() => refreshSiteSnapshot(runId, channel));
  const why = error ?? (q.error ? explain(q.error) : q.data?.why);
  return (
    <div className="tile-snapshot">
      {q.data?.image && !error ? (
        <img data-testid="site-tile-snapshot" src={q.data.image} alt={`Snapshot from camera ${camera} (${title ?? `channel ${channel}`})`} />
      ) : (
        <span className="hint" data-testid="site-tile-snapshot-why">{q.isPending ? 'Getting a picture from the camera…' : why}</span>
      )}
      <button type="button" onClick={refresh} disabled={busy || q.isPending} aria-label={`Refresh picture of channel ${channel}`}>
        Refresh picture
      </button>
    </div>
  );
}
