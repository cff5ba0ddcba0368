import { KEYCHAIN_SERVICE, KeychainUnavailable, sessionPassword, UNAVAILABLE, type Keychain } from './keychain';

type Keytar = typeof import('keytar');

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  // A Secret Service that never answers (locked keyring prompt on a headless box) must not hang the wizard.
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new KeychainUnavailable('keychain did not answer')), ms);
    p.then((v) => (clearTimeout(t), resolve(v)), (e: unknown) => (clearTimeout(t), reject(e)));
  });
}

/**
 * The OS keychain through keytar (its native module loaded at the first use): what the app's hosts
 * give the features. A password kept for this session only (keychain.ts) answers first.
 */
export function createKeytarKeychain(timeoutMs = 8000): Keychain {
  let mod: Promise<Keytar> | undefined;
  const load = async (): Promise<Keytar> => {
    mod ??= import('keytar').then((m) => ((m as { default?: Keytar }).default ?? m) as Keytar);
    try {
      return await mod;
    } catch (e) {
      mod = undefined;
      throw new KeychainUnavailable(`keytar could not load: ${String(e)}`);
    }
  };
  const run = async <T>(f: (k: Keytar) => Promise<T>): Promise<T> => {
    try {
      return await withTimeout(f(await load()), timeoutMs);
    } catch (e) {
      throw new KeychainUnavailable(`${UNAVAILABLE} (${e instanceof Error ? e.message : String(e)})`);
    }
  };
  return {
    async probe() {
      try {
        // A write, not a read: a locked collection answers reads but refuses the password we need to keep.
        const account = `probe-${Date.now()}`;
        await run((k) => k.setPassword(`${KEYCHAIN_SERVICE}-probe`, account, 'probe'));
        await run((k) => k.deletePassword(`${KEYCHAIN_SERVICE}-probe`, account));
        return { available: true };
      } catch (e) {
        return { available: false, message: (e as Error).message };
      }
    },
    set: (account, password) => run((k) => k.setPassword(KEYCHAIN_SERVICE, account, password)),
    // A password kept for this session (keychain unavailable when it was set) answers first, without asking keytar.
    get: async (account) => sessionPassword(account) ?? run((k) => k.getPassword(KEYCHAIN_SERVICE, account)),
    remove: (account) => run((k) => k.deletePassword(KEYCHAIN_SERVICE, account)),
  };
}

