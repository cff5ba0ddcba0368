import { useEffect, useState } from 'react';
import { nvr } from './api';

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
