import type { Handler } from './rpc/answers';
import { KEEPALIVE_S } from './rpc/login';
import { getCameraAll, getCameraState, getEncryptInfo, SEC_GET, SEC_SET, secGetCameraAll, secSetCamera } from './rpc/logic-device';
import { getConfig, setConfig } from './rpc/remote-device';
import type { Firmware, NvrRpcFaults } from './rpc/types';

/**
 * The simulated NVR as a table of method handlers, one per RPC method, per firmware
 * personality (rpc/types.ts `Firmware`). Which methods a firmware has is data: a method
 * absent here, or listed in `missingMethods`, answers 268894210 "method not found".
 */

const keepAlive: Handler = ({ nvr }) => {
  nvr.stats.keepAlives++;
  return { params: { timeout: KEEPALIVE_S }, result: true };
};

const logout: Handler = ({ nvr, endSession }) => {
  nvr.stats.logouts++;
  endSession();
  return { result: true };
};

const softwareVersion: Handler = ({ nvr }) => {
  const [version, build] = nvr.identity.firmwareVersion.split(', Build Date ');
  return { params: { version: { Version: version, BuildDate: build ?? '' } }, result: true };
};

const COMMON: Readonly<Record<string, Handler>> = {
  'global.keepAlive': keepAlive,
  'global.logout': logout,
  'magicBox.getSerialNo': ({ nvr }) => ({ params: { sn: nvr.identity.serialNumber }, result: true }),
  'magicBox.getDeviceType': ({ nvr }) => ({ params: { type: nvr.identity.model }, result: true }),
  'magicBox.getSoftwareVersion': softwareVersion,
  'configManager.getConfig': getConfig,
  'configManager.setConfig': setConfig,
  'LogicDeviceManager.getCameraState': getCameraState,
};

export const PERSONALITIES: Readonly<Record<Firmware, Readonly<Record<string, Handler>>>> = {
  'remote-device-table': COMMON,
  'logic-device-manager': {
    ...COMMON,
    'Security.getEncryptInfo': getEncryptInfo,
    'LogicDeviceManager.getCameraAll': getCameraAll,
    [SEC_GET]: secGetCameraAll,
    [SEC_SET]: secSetCamera,
  },
};

/** The handler of `method` on the firmware the faults describe, or undefined when it has none. */
export function handlerFor(faults: NvrRpcFaults, method: string): Handler | undefined {
  if (faults.missingMethods.includes(method)) return undefined;
  const table = PERSONALITIES[faults.firmware];
  return Object.hasOwn(table, method) ? table[method] : undefined;
}
