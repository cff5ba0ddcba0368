import { resolve } from 'node:path';
import { defineConfig } from 'electron-vite';
import react from '@vitejs/plugin-react';

/**
 * One build for every runtime. main/ has three entries sharing one service
 * layer: the Electron host, the browser host (how the app runs where Electron
 * cannot), and the CLI.
 */
export default defineConfig({
  main: {
    build: {
      outDir: 'out/main',
      // CommonJS packages are bundled so their named imports work the same under
      // Node's ESM loader as under Vitest; keytar stays external (native module).
      externalizeDeps: { exclude: ['node-ssdp', 'onvif', 'qrcode', 'jsqr', 'pngjs', 'jpeg-js'] },
      sourcemap: true,
      rollupOptions: {
        input: {
          electron: resolve('main/electron/index.ts'),
          host: resolve('main/browser-host/index.ts'),
          cli: resolve('main/cli/index.ts'),
        },
      },
    },
  },
  preload: {
    build: {
      outDir: 'out/preload',
      // A sandboxed preload can require only electron: bundle the contract (and zod) in.
      externalizeDeps: false,
      rollupOptions: {
        input: { index: resolve('preload/index.ts') },
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: 'renderer',
    plugins: [react()],
    build: {
      outDir: 'out/renderer',
      rollupOptions: { input: resolve('renderer/index.html') },
    },
  },
});
