import { describe, expect, it } from 'vitest';
import { VerifiedCredentials } from './credentials';
import { SecretRegistry } from './log';

describe('verified credentials', () => {
  it('forgetIf drops the credential that stopped working, but not a newer one proven meanwhile', () => {
    const secrets = new SecretRegistry();
    const store = new VerifiedCredentials(secrets);
    const old = { username: 'admin', password: 'Old-pass-1234' };
    store.set('http://127.0.0.1/onvif/device_service', old);
    store.forgetIf('http://127.0.0.1/onvif/device_service', { username: 'admin', password: 'Other-pass-99' });
    expect(store.get('http://127.0.0.1/onvif/device_service')).toEqual(old);
    store.forgetIf('http://127.0.0.1/onvif/device_service', old);
    expect(store.get('http://127.0.0.1/onvif/device_service')).toBeUndefined();

    // A sync proved a newer password while a sign-in with the old one was out: the stale refusal keeps the new one.
    const newer = { username: 'admin', password: 'New-pass-5678' };
    store.set('http://127.0.0.2/onvif/device_service', newer);
    store.forgetIf('http://127.0.0.2/onvif/device_service', old);
    expect(store.get('http://127.0.0.2/onvif/device_service')).toEqual(newer);
    // Every stored password is registered for scrubbing.
    expect(secrets.scrub(`x ${newer.password} ${old.password}`)).not.toMatch(/pass-\d/);
  });
});
