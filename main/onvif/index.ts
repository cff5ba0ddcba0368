export { OnvifClient, type OnvifClientOptions, type Credentials, type OnvifUser, type DeviceInformation } from './client';
export { OnvifError, type OnvifErrorKind } from './errors';
export { parseSoap } from './soap';
