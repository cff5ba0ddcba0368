import { HttpFailure, peekCertificate, type PinnedCert } from '../core/http';

/**
 * The https NVR check both NVR commands share: nothing is sent to an https NVR
 * until the technician names its certificate's SHA-256 fingerprint (NVRs serve
 * self-signed certificates). `option` is how the command spells the flag.
 */
export async function confirmNvrCertificate(
  url: string,
  trustCert: string | undefined,
  timeoutMs: number,
  option: string,
): Promise<{ pinned?: PinnedCert } | { refused: string }> {
  if (new URL(url).protocol !== 'https:') return {};
  let cert;
  try {
    cert = await peekCertificate(new URL(url), timeoutMs);
  } catch (err) {
    return { refused: `the NVR did not complete an https handshake (${err instanceof HttpFailure ? err.message : String(err)}).` };
  }
  if (trustCert === cert.fingerprint256) return { pinned: cert };
  return {
    refused:
      `the NVR's certificate (${cert.subject}) is self-signed or unknown; SHA-256 ${cert.fingerprint256}.\n` +
      (trustCert ? `It is NOT the one given with ${option}: nothing was sent.` : `If it is your customer's NVR, run again with ${option} <that fingerprint>. Nothing was sent.`),
  };
}
