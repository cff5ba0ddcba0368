import { startFleet, type DiscoverySim, type FleetOptions } from './index';

/**
 * Child-process entry for benches: the fleet runs in its own process, as real
 * devices do, so the app's event loop is not also paying for 1,000 simulated
 * devices. Protocol over the IPC channel: {start, opts} → {ready} ; {stop} → {stopped}.
 */
let fleet: DiscoverySim | undefined;

process.on('message', (msg: { type: 'start'; opts: FleetOptions } | { type: 'stop' }) => {
  void (async () => {
    try {
      if (msg.type === 'start') {
        fleet = await startFleet(msg.opts);
        process.send?.({ type: 'ready', count: fleet.devices.length });
      } else {
        const probes = fleet?.wsd.probes() ?? 0;
        const lastAnswerMs = fleet?.wsd.lastAnswerDelayMs() ?? 0;
        await fleet?.stop();
        process.send?.({ type: 'stopped', probes, lastAnswerMs }, () => process.exit(0));
      }
    } catch (err) {
      process.send?.({ type: 'error', message: String(err) }, () => process.exit(1));
    }
  })();
});
