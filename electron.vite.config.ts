import { resolve, sep } from 'node:path';
import { defineConfig } from 'electron-vite';
import react from '@vitejs/plugin-react';

/** A chunk holding any module of the simulated site or the demo is demo-only: it goes under out/main/demo/, which is never packaged. */
const demoRoots = [resolve('sim') + sep, resolve('demo') + sep];
const demoOnly = (moduleIds: readonly string[]) => moduleIds.some((id) => demoRoots.some((root) => resolve(id).startsWith(root)));

/**
 * One build for every runtime. main/ has three product entries sharing one
 * service layer — the Electron host, the browser host (how the app runs where
 * Electron cannot) and the CLI — and two demo entries (demo/) that wrap the
 * same hosts around the simulated site. Everything of the demo lands in
 * out/main/demo/, which electron-builder.yml leaves out of the installer
 * (checked by test/build-output.test.ts).
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
          'demo/electron': resolve('demo/electron.ts'),
          'demo/host': resolve('demo/host.ts'),
        },
        output: {
          chunkFileNames: (chunk) => (demoOnly(chunk.moduleIds) ? 'demo/chunks/[name]-[hash].js' : 'chunks/[name]-[hash].js'),
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
