import { z } from 'zod';
import { encryptInfo, openEnvelope, sealReply, type OpenedEnvelope } from '../sec-camera';
import { isRefusal, refusal, type Handler, type RpcCall, type RpcRefusal } from './answers';
import type { Nvr } from './nvr';
import { cameraAfter, cameraOf, enabled, slotKey, unusedCamera, type PasswordShown } from './slots';
import { CODES } from './types';
import { applyWrites, guardWrite, type SlotWrite } from './writes';

/**
 * The newer firmware's camera list (DOMAIN.md "Newer firmware"; shapes from the public clients
 * named beside each test in logic-device.test.ts): getCameraAll plain without passwords,
 * secGetCameraAll and secSetCamera sealed with the key of Security.getEncryptInfo.
 */

export const SEC_GET = 'LogicDeviceManager.secGetCameraAll';
export const SEC_SET = 'LogicDeviceManager.secSetCamera';

function cameraList(nvr: Nvr, passwords: PasswordShown): Record<string, unknown>[] {
  const n = nvr.channels.length;
  return [...nvr.channels.map((c, i) => cameraOf(c, i, passwords)), ...Array.from({ length: nvr.faults.extraUnusedSlots }, (_, k) => unusedCamera(n + k))];
}

export const getEncryptInfo: Handler = ({ nvr }) => ({ params: encryptInfo(nvr.key()), result: true });

export const getCameraAll: Handler = ({ nvr }) => ({ params: { camera: cameraList(nvr, 'absent') }, result: true });

/** Opens the call's envelope; anything but a well-formed one for the key in force is a refusal, never a crash. */
function unseal(call: RpcCall): OpenedEnvelope | RpcRefusal {
  try {
    return openEnvelope(call.nvr.key(), call.params);
  } catch {
    return refusal(CODES.invalidRequest, 'Invalid request');
  }
}

const sealed = (body: unknown, opened: OpenedEnvelope) => ({ params: { content: sealReply(body, opened.key, opened.cipher) }, result: true });

export const secGetCameraAll: Handler = (call) => {
  const { nvr } = call;
  const opened = unseal(call);
  if (isRefusal(opened)) return opened;
  // The request is the JSON `null`, sealed (a public Python NVR tool's secure_request(…, None)).
  if (opened.body !== null) return refusal(CODES.invalidRequest, 'Invalid request');
  nvr.stats.secGetCameraAlls++;
  const list = cameraList(nvr, 'stored');
  return sealed(nvr.faults.wrongShape.includes(SEC_GET) ? { cameras: list } : { camera: list }, opened);
};

const SecSetBody = z.object({
  cameras: z.array(z.object({ UniqueChannel: z.number().int().min(0).max(1023) }).passthrough()).min(1).max(1024),
});

interface Verdict {
  uniqueChannel: number;
  failedCode: number;
  write?: SlotWrite;
}

/** Whether one camera of a secSetCamera lands: a channel the NVR has, under its own DeviceID, not refused by a fault. */
function verdict(nvr: Nvr, cam: Record<string, unknown> & { UniqueChannel: number }): Verdict {
  const uc = cam.UniqueChannel;
  const c = nvr.channels[uc];
  if (!c || cam['DeviceID'] !== slotKey(uc)) return { uniqueChannel: uc, failedCode: CODES.invalidParam };
  const forced = nvr.faults.cameraRefusals[uc];
  if (forced) return { uniqueChannel: uc, failedCode: forced };
  return { uniqueChannel: uc, failedCode: 0, write: { index: uc, channel: c, next: cameraAfter(c, cam) } };
}

export const secSetCamera: Handler = (call) => {
  const { nvr } = call;
  const opened = unseal(call);
  const body = isRefusal(opened) ? undefined : SecSetBody.safeParse(opened.body);
  if (isRefusal(opened) || !body?.success) {
    nvr.stats.secSetCameraRefusals++;
    return refusal(CODES.invalidRequest, 'Invalid request');
  }
  const cameras = body.data.cameras;
  call.entry.uniqueChannels = cameras.map((c) => c.UniqueChannel);
  const verdicts = cameras.map((cam) => verdict(nvr, cam));
  const writes = verdicts.flatMap((v) => (v.write ? [v.write] : []));
  const refused = guardWrite(nvr, writes, 'secSetCamera');
  if (refused) {
    nvr.stats.secSetCameraRefusals++;
    return refused;
  }
  applyWrites(nvr, writes);
  nvr.stats.secSetCameras++;
  nvr.stats.cameraRefusals += verdicts.filter((v) => v.failedCode !== 0).length;
  // The answer per camera (minhluuquang/dahua-NVR-ios-app models it as [{UniqueChannel, failedCode}]).
  const answer = nvr.faults.wrongShape.includes(SEC_SET) ? { result: true } : verdicts.map((v) => ({ UniqueChannel: v.uniqueChannel, failedCode: v.failedCode }));
  return sealed(answer, opened);
};

export const getCameraState: Handler = async ({ nvr, freshStates }) => {
  await freshStates();
  return {
    params: { states: nvr.channels.map((c, i) => ({ channel: i, connectionState: enabled(c) ? c.state : 'Unknown', uniqueChannel: i })) },
    result: true,
  };
};
