import { createHash, randomBytes } from 'node:crypto';
import { escapeXml } from './soap';

const WSSE = 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd';
const WSU = 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd';
const DIGEST_TYPE = 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordDigest';
const B64_TYPE = 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-soap-message-security-1.0#Base64Binary';

/**
 * WS-UsernameToken with PasswordDigest = Base64(SHA-1(nonce + Created + password)).
 * Created is the DEVICE's time (cameras boot hours off) and the password is hashed as UTF-8.
 */
export function usernameToken(username: string, password: string, deviceNowMs: number): string {
  const nonce = randomBytes(16);
  // Second precision: some firmwares reject fractional seconds in Created.
  const created = new Date(Math.floor(deviceNowMs / 1000) * 1000).toISOString().replace('.000Z', 'Z');
  const digest = createHash('sha1')
    .update(Buffer.concat([nonce, Buffer.from(created, 'utf8'), Buffer.from(password, 'utf8')]))
    .digest('base64');
  return (
    `<wsse:Security xmlns:wsse="${WSSE}" xmlns:wsu="${WSU}" s:mustUnderstand="1"><wsse:UsernameToken>` +
    `<wsse:Username>${escapeXml(username)}</wsse:Username>` +
    `<wsse:Password Type="${DIGEST_TYPE}">${digest}</wsse:Password>` +
    `<wsse:Nonce EncodingType="${B64_TYPE}">${nonce.toString('base64')}</wsse:Nonce>` +
    `<wsu:Created>${created}</wsu:Created></wsse:UsernameToken></wsse:Security>`
  );
}
