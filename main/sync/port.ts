import type { OnvifClient, OnvifClientOptions } from '../onvif/client';
import { OnvifError } from '../onvif/errors';

/**
 * What the sync engine uses of an ONVIF client: a slice of the real one
 * (main/onvif/client.ts), so the two cannot drift apart. Tests plug in fakes
 * of this slice (test/support/fake-device.ts) that throw the real OnvifError.
 */
export type DeviceClient = Pick<OnvifClient, 'getUsers' | 'setUser' | 'getDeviceInformation' | 'requestCount' | 'authOff' | 'close'> & Partial<Pick<OnvifClient, 'learnAuth'>>;

export type ClientOptions = Pick<OnvifClientOptions, 'xaddr' | 'signal' | 'allowBasic' | 'allowPasswordText'> &
  Required<Pick<OnvifClientOptions, 'timeoutMs' | 'onAuthFailure'>>;

export type ClientFactory = (o: ClientOptions) => DeviceClient;

export type Credentials = Parameters<OnvifClient['getUsers']>[0];

export type UserEntry = Awaited<ReturnType<OnvifClient['getUsers']>>[number];

export const isClientError = (err: unknown): err is OnvifError => err instanceof OnvifError;
