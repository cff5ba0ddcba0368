import { describe, expect, it } from 'vitest';
import { dahuaDefaultHash } from './hash';

describe('Dahua Default login hash', () => {
  it('matches a vector computed independently with Python hashlib', () => {
    // python3: h1 = md5("admin:Login to 7M0ABCDEFGH0001:Forgot2019x").hexdigest().upper()
    //          md5(f"admin:123456789:{h1}").hexdigest().upper()
    expect(dahuaDefaultHash('admin', 'Forgot2019x', 'Login to 7M0ABCDEFGH0001', '123456789')).toBe('7DE9AF70C54CE3A7ACBD6A53C764225E');
  });

  it('depends on every input', () => {
    const base = dahuaDefaultHash('admin', 'pw', 'realm', '1');
    expect(dahuaDefaultHash('Admin', 'pw', 'realm', '1')).not.toBe(base);
    expect(dahuaDefaultHash('admin', 'pW', 'realm', '1')).not.toBe(base);
    expect(dahuaDefaultHash('admin', 'pw', 'realm2', '1')).not.toBe(base);
    expect(dahuaDefaultHash('admin', 'pw', 'realm', '2')).not.toBe(base);
  });
});
