/** Placeholder screen until its feature lands. */
export function SyncView() {
  return <section aria-label="SyncView">Coming with the sync feature.</section>;
}
