import { describe, expect, it } from 'vitest';
import { targetFromPaste } from './paste-target';

describe('targetFromPaste', () => {
  it.each([
    ['http://192.168.1.108:8000/onvif/device_service', '192.168.1.108:8000', true],
    ['  http://192.168.1.108/onvif/device_service\n', '192.168.1.108', true],
    ['https://nvr.local/', 'nvr.local', true],
    ['HTTP://10.0.0.5:80/', '10.0.0.5', true], // the default port disappears, as the URL means it
    ['http://admin:Secret1@192.168.1.64:8080/x', '192.168.1.64:8080', true],
    ['rtsp://192.168.1.64:554/Streaming/Channels/101', '192.168.1.64:554', true],
    ['192.168.1.108:8000', '192.168.1.108:8000', false],
    ['  192.168.1.108 ', '192.168.1.108', false],
    ['javascript://alert(1)', 'javascript://alert(1)', false],
    ['file:///etc/passwd', 'file:///etc/passwd', false],
    ['http://', 'http://', false],
    ['http://[::1]:80/', '[::1]', true],
    ['', '', false],
  ])('%j → %j', (input, target, fromUrl) => {
    expect(targetFromPaste(input)).toEqual({ target, fromUrl });
  });

  it.each([[null], [undefined], [42], [{}]])('not text (%j) → empty', (input) => {
    expect(targetFromPaste(input)).toEqual({ target: '', fromUrl: false });
  });

  it('never echoes credentials from a pasted URL', () => {
    expect(JSON.stringify(targetFromPaste('http://admin:Secret1@192.168.1.64/'))).not.toContain('Secret1');
  });

  it('a huge paste is cut, not hung on', () => {
    expect(targetFromPaste('x'.repeat(1_000_000)).target.length).toBe(2048);
  });
});
