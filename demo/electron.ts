import { fileURLToPath } from 'node:url';
import { failedToStart, runElectronApp } from '../main/electron/app';
import { startDemo } from './site';

/** `npm run demo` where Electron runs: the app around the simulated site (out/main/demo/electron.js). */
runElectronApp({
  outDir: fileURLToPath(new URL('../..', import.meta.url)),
  async extend() {
    const demo = await startDemo();
    process.stderr.write(`Simulated site (demo data, loopback only):\n${demo.describe}\n`);
    return demo;
  },
}).catch(failedToStart);
