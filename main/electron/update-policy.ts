/**
 * When the app may update itself (pure; main/electron/updater.ts wires it to
 * electron-updater). Off by default: only a packaged app started with
 * NVR_AUTO_UPDATE=1 checks the GitHub release feed. A downloaded update is
 * installed only after the technician agreed, and never while a camera sync
 * runs: the question waits for the sync to end, and an agreement given just as a
 * sync started waits too (then asks again).
 */
export interface UpdateSettings {
  enabled: boolean;
  reason: string;
}

export function updateSettings(env: Record<string, string | undefined>, isPackaged: boolean): UpdateSettings {
  if (env.NVR_AUTO_UPDATE !== '1') return { enabled: false, reason: 'off (start the app with NVR_AUTO_UPDATE=1 to check for updates)' };
  if (!isPackaged) return { enabled: false, reason: 'off: not a packaged app (there is no installer to update)' };
  return { enabled: true, reason: 'on: checks GitHub releases at start, asks before installing' };
}

/** What the glue must do next. */
export type UpdateAction = 'none' | 'ask' | 'install';

/** The state between "an update is downloaded" and "installed": one per app run. */
export class UpdateGate {
  private version: string | undefined;
  private asking = false;
  private declined = false;

  /** electron-updater finished downloading `version`. */
  downloaded(version: string, syncRunning: boolean): UpdateAction {
    this.version = version;
    return this.next(syncRunning);
  }

  /** A sync started or ended (or may have). */
  syncChanged(syncRunning: boolean): UpdateAction {
    return this.next(syncRunning);
  }

  /** The technician answered the question; `syncRunning` is read after the answer. */
  answered(install: boolean, syncRunning: boolean): UpdateAction {
    this.asking = false;
    if (!install) {
      // "Later": not asked again this run; never installed on quit either.
      this.declined = true;
      return 'none';
    }
    // A sync started while the question was open: ask again when it ends.
    if (syncRunning) return 'none';
    return 'install';
  }

  get pendingVersion(): string | undefined {
    return this.version;
  }

  private next(syncRunning: boolean): UpdateAction {
    if (!this.version || this.asking || this.declined || syncRunning) return 'none';
    this.asking = true;
    return 'ask';
  }
}
