import { QueryClientProvider } from '@tanstack/react-query';
import { useRef, type KeyboardEvent } from 'react';
import { DevicesView } from '../features/devices/DevicesView';
import { ResetView } from '../features/reset/ResetView';
import { SyncView } from '../features/sync/SyncView';
import { NvrView } from '../features/nvr/NvrView';
import { queryClient, useAppInfo, wireEvents } from './data';
import { select, useNav, type View } from './nav';
import { installFocusRescue } from './focus';
import { ConnectionBanner, Notices } from './Notices';

const TABS: { view: View; label: string; Screen: () => React.JSX.Element }[] = [
  { view: 'devices', label: 'Devices', Screen: DevicesView },
  { view: 'reset', label: 'Password reset', Screen: ResetView },
  { view: 'sync', label: 'Camera sync', Screen: SyncView },
  { view: 'nvr', label: 'NVR channels', Screen: NvrView },
];

wireEvents(queryClient);
installFocusRescue();

/** The app frame: header, the workspaces, and notices from main. */
export function App() {
  return (
    <QueryClientProvider client={queryClient}>
      <Frame />
    </QueryClientProvider>
  );
}

function Frame() {
  const { view } = useNav();
  const info = useAppInfo();
  return (
    <div className="app" data-ready={info.data ? 'true' : 'false'}>
      <header className="app-header">
        <h1>NVR Support Console</h1>
        <nav aria-label="Workspaces">
          <Tabs view={view} />
        </nav>
        <span className="host-badge" data-testid="host-kind">
          {info.data ? (info.data.host === 'electron' ? 'Desktop' : 'Browser host') : ''}
        </span>
      </header>
      {info.error && (
        <div role="alert" className="banner error">
          {info.error.message}
        </div>
      )}
      <ConnectionBanner />
      <Notices />
      <main className="app-main">
        {/* Every screen stays mounted (hidden when not shown): typed values, scroll and camera choices survive a tab switch. */}
        {TABS.map(({ view: v, Screen }) => (
          <div key={v} role="tabpanel" id={`panel-${v}`} aria-labelledby={`tab-${v}`} hidden={view !== v} data-testid={`panel-${v}`} tabIndex={-1}>
            <Screen />
          </div>
        ))}
      </main>
    </div>
  );
}

/** The tab a key moves to from tab i (WAI-ARIA tabs: arrows wrap around, Home/End jump), or -1 for another key. */
function tabAfter(key: string, i: number): number {
  const last = TABS.length - 1;
  if (key === 'ArrowRight') return i === last ? 0 : i + 1;
  if (key === 'ArrowLeft') return i === 0 ? last : i - 1;
  if (key === 'Home') return 0;
  if (key === 'End') return last;
  return -1;
}

/** The workspaces as WAI-ARIA tabs: one Tab stop, arrows move between tabs and select (automatic activation). */
function Tabs({ view }: { view: View }) {
  const tabs = useRef<(HTMLButtonElement | null)[]>([]);
  const onKey = (e: KeyboardEvent, i: number) => {
    const to = tabAfter(e.key, i);
    if (to < 0) return;
    e.preventDefault();
    select(TABS[to]!.view);
    tabs.current[to]?.focus();
  };
  return (
    <div role="tablist" aria-label="Workspaces" className="tabs">
      {TABS.map((t, i) => (
        <button
          key={t.view}
          ref={(el) => {
            tabs.current[i] = el;
          }}
          id={`tab-${t.view}`}
          type="button"
          role="tab"
          aria-selected={view === t.view}
          aria-controls={`panel-${t.view}`}
          tabIndex={view === t.view ? 0 : -1}
          className={view === t.view ? 'tab active' : 'tab'}
          onClick={() => select(t.view)}
          onKeyDown={(e) => onKey(e, i)}
        >
          {t.label}
        </button>
      ))}
    </div>
  );
}
