import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// Every unit-test worker gets a throwaway data folder by default: a CLI a test starts (in-process or as a
// child) keeps its log and the credential gate in NVR_DATA_DIR, and without one it would write the user's
// own app folder — and carry one test's refused sign-ins into the next run's. Tests that need their own
// folder still set one.
process.env['NVR_DATA_DIR'] ??= mkdtempSync(join(tmpdir(), 'nvr-test-data-'));
