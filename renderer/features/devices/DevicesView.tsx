/** Placeholder screen until its feature lands. */
export function DevicesView() {
  return <section aria-label="DevicesView">Coming with the devices feature.</section>;
}
