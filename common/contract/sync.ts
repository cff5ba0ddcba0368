// Camera password sync. Owned by the camera-sync feature (issue 5).
export const syncCalls = {} as const;
export const syncEvents = {} as const;
