import { fileURLToPath } from 'node:url';
import { failedToStart, runElectronApp } from './app';

/** Entry of the Electron app (out/main/electron.js): the product, nothing around it. */
runElectronApp({ outDir: fileURLToPath(new URL('..', import.meta.url)) }).catch(failedToStart);
