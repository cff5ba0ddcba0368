// Dispatches `npm run bench -- <name>` to the benchmark module (run by tsx, in the sandbox).
const name = process.argv[2];
const benches: Record<string, () => Promise<{ run: () => Promise<void> }>> = {
  discovery: async () => ({ run: (await import('./discovery')).benchDiscovery }),
  sync: async () => ({ run: (await import('./sync')).benchSync }),
};
const load = name ? benches[name] : undefined;
if (!load) {
  console.error(`unknown benchmark ${name}; one of ${Object.keys(benches).join(', ')}`);
  process.exit(2);
}
await (await load()).run();
process.exit(0);
