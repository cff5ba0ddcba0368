import { fileURLToPath } from 'node:url';
import { failedToStart, runBrowserHost } from '../main/browser-host/run';
import { startDemo } from './site';

/** `npm run demo` where Electron cannot run: the browser host around the simulated site (out/main/demo/host.js). */
runBrowserHost({
  outDir: fileURLToPath(new URL('../..', import.meta.url)),
  entryUrl: import.meta.url,
  async extend() {
    const demo = await startDemo();
    process.stderr.write(`Simulated site (demo data, loopback only):\n${demo.describe}\n`);
    return demo;
  },
}).catch(failedToStart);
