import { fileURLToPath } from 'node:url';
import { failedToStart, runBrowserHost } from './run';

/**
 * Entry of the browser host (`node out/main/host.js`): the same services as the
 * Electron app, for a page in Chromium. Prints one JSON line with the URL on
 * stdout so launchers (npm start, the e2e fixture) can open it.
 */
runBrowserHost({ outDir: fileURLToPath(new URL('..', import.meta.url)), entryUrl: import.meta.url }).catch(failedToStart);
