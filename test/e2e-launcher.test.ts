import { describe, expect, it } from 'vitest';
import { electronBinary, launchElectron } from '../e2e/launcher';

describe('e2e launcher', () => {
  it('fails loudly when Electron is asked for but its binary is missing', async ({ skip }) => {
    const bin = electronBinary();
    skip(Boolean(bin.path), `Electron's binary is present at ${bin.path}, so the missing-binary path cannot be shown here`);
    await expect(launchElectron({})).rejects.toThrow(/E2E_ELECTRON=1 asks for the Electron app, but Electron's binary is missing/);
  });
});
