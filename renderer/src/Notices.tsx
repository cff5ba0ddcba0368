import { useEffect, useState } from 'react';
import { nvr } from './api';
import { setConnection, useConnection } from './connection';

interface Notice {
  level: 'info' | 'warning' | 'error';
  message: string;
  at: number;
}

/** Banners for what main wants the technician to see (a store file moved aside, a deadline). */
export function Notices() {
  const [notices, setNotices] = useState<Notice[]>([]);
  useEffect(() => nvr.on('app.notice', (n) => setNotices((list) => [...list.slice(-4), n])), []);
  if (notices.length === 0) return null;
  return (
    <div className="notices" aria-live="polite">
      {notices.map((n) => (
        <div key={`${n.at}-${n.message}`} role={n.level === 'error' ? 'alert' : 'status'} className={`banner ${n.level}`}>
          {n.message}
          <button type="button" aria-label="Dismiss" onClick={() => setNotices((l) => l.filter((x) => x !== n))}>
            ×
          </button>
        </div>
      ))}
    </div>
  );
}

/**
 * Under the browser host the app can be closed or restarted under an open tab:
 * say so plainly, with how to bring it back; the tab reconnects by itself.
 */
export function ConnectionBanner() {
  const connection = useConnection();
  useEffect(() => {
    if (connection !== 'back') return;
    const t = setTimeout(() => setConnection('open'), 8000);
    return () => clearTimeout(t);
  }, [connection]);
  if (connection === 'open') return null;
  return connection === 'lost' ? (
    <div role="alert" className="banner error connection-lost" data-testid="connection-lost">
      <p>
        <b>The app is not running</b> (it was closed or is restarting). Start it again — <code>npm start</code>, or the app’s icon — and
        this page reconnects by itself. If it printed a new address, open that address instead.
      </p>
    </div>
  ) : (
    <div role="status" className="banner info" data-testid="connection-back">
      Connected to the app again.
    </div>
  );
}
