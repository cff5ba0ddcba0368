import { version } from '../../package.json';

/** The app's version, from package.json at build time (the same number electron-builder stamps on the installer). */
export const APP_VERSION: string = version;
