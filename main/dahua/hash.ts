import { createHash } from 'node:crypto';

const md5Upper = (s: string) => createHash('md5').update(s, 'utf8').digest('hex').toUpperCase();

/**
 * The "Default" login hash of Dahua's web JSON-RPC (global.login, second step):
 * upper(hex(MD5(user:random:upper(hex(MD5(user:realm:password)))))).
 */
export function dahuaDefaultHash(username: string, password: string, realm: string, random: string): string {
  return md5Upper(`${username}:${random}:${md5Upper(`${username}:${realm}:${password}`)}`);
}
