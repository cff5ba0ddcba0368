import { describe, expect, it } from 'vitest';
import { cgiAuthorization, cgiChallenge } from './digest';

describe('Digest for the Dahua CGI', () => {
  it('answers the RFC 7616 example (SHA-256 and MD5)', () => {
    // RFC 7616 section 3.9.1: Mufasa / Circle of Life, GET /dir/index.html.
    const headers = [
      'WWW-Authenticate', 'Digest realm="http-auth@example.org", qop="auth, auth-int", algorithm=MD5, nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"',
      'WWW-Authenticate', 'Digest realm="http-auth@example.org", qop="auth, auth-int", algorithm=SHA-256, nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"',
    ];
    const c = cgiChallenge(headers)!;
    expect(c.algorithm).toBe('SHA-256');
    expect(cgiAuthorization(c, 'Mufasa', 'Circle of Life', 'GET', '/dir/index.html', 'f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ')).toContain(
      'response="753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1"',
    );
    const md5 = cgiChallenge(headers.slice(0, 2))!;
    expect(cgiAuthorization(md5, 'Mufasa', 'Circle of Life', 'GET', '/dir/index.html', 'f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ')).toContain('response="8ca523f5e9506fed4657c9700eebdbec"');
  });

  it('ignores what it cannot answer', () => {
    expect(cgiChallenge(['WWW-Authenticate', 'Basic realm="x"'])).toBeUndefined();
    expect(cgiChallenge(['WWW-Authenticate', 'Digest realm="x", nonce="n", algorithm=SHA-512-256, qop="auth"'])).toBeUndefined();
    expect(cgiChallenge(['WWW-Authenticate', 'Digest realm="x", nonce="n"'])).toBeUndefined();
  });
});
