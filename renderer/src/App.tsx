import { useEffect, useState } from 'react';
import type { AppInfo } from '../../common/contract/app';
import { DevicesView } from '../features/devices/DevicesView';
import { ResetView } from '../features/reset/ResetView';
import { SyncView } from '../features/sync/SyncView';
import { nvr } from './api';
import { go, useNav, type View } from './nav';
import { Notices } from './Notices';

const TABS: { view: View; label: string }[] = [
  { view: 'devices', label: 'Devices' },
  { view: 'reset', label: 'Password reset' },
  { view: 'sync', label: 'Camera sync' },
];

/** The app frame: header, the three workspaces, and notices from main. */
export function App() {
  const { view } = useNav();
  const [info, setInfo] = useState<AppInfo>();
  const [error, setError] = useState<string>();

  useEffect(() => {
    nvr.app.info().then(setInfo, (e: Error) => setError(e.message));
  }, []);

  return (
    <div className="app" data-ready={info ? 'true' : 'false'}>
      <header className="app-header">
        <h1>NVR Support Console</h1>
        <nav aria-label="Workspaces">
          {TABS.map((t) => (
            <button
              key={t.view}
              type="button"
              role="tab"
              aria-selected={view === t.view}
              className={view === t.view ? 'tab active' : 'tab'}
              onClick={() => go(t.view)}
            >
              {t.label}
            </button>
          ))}
        </nav>
        <span className="host-badge" data-testid="host-kind">
          {info ? (info.host === 'electron' ? 'Desktop' : 'Browser host') : ''}
        </span>
      </header>
      {error && (
        <div role="alert" className="banner error">
          {error}
        </div>
      )}
      <Notices />
      <main className="app-main">
        {view === 'devices' && <DevicesView />}
        {view === 'reset' && <ResetView />}
        {view === 'sync' && <SyncView />}
      </main>
    </div>
  );
}
