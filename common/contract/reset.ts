// Reset cases and the wizard. Owned by the reset-wizard feature (issue 4).
export const resetCalls = {} as const;
export const resetEvents = {} as const;
