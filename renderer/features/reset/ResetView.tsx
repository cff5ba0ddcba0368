/** Placeholder screen until its feature lands. */
export function ResetView() {
  return <section aria-label="ResetView">Coming with the reset feature.</section>;
}
