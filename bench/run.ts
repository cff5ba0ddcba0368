// Dispatches `npm run bench -- <name>` to the benchmark module (run by tsx, in the sandbox).
const benches: Record<string, () => Promise<() => Promise<void>>> = {
  discovery: async () => (await import('./discovery')).benchDiscovery,
  sync: async () => (await import('./sync')).benchSync,
  'site-loop': async () => (await import('./site-loop')).benchSiteLoop,
};
const which = process.argv[2] ?? '';
const load = benches[which];
if (!load) {
  console.error(`unknown benchmark "${which}"; one of ${Object.keys(benches).join(', ')}`);
  process.exit(2);
}
await (await load())();
process.exit(0);

export {};
