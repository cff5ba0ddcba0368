/** Where Electron's binary is, or why it is missing (never downloads it). */
export function findElectron(): { path?: string; why?: string };
