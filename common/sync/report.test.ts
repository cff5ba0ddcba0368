import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parseCsv, tallyLine, toCsv, toHtmlReport, toJsonReport, CHANNEL_CSV_COLUMNS, CSV_COLUMNS, type ReportChannel, type SyncRow } from './report';
import { OUTCOMES, nextStepFor, SyncOutcome } from './outcomes';

const row = (over: Partial<SyncRow>): SyncRow => ({
  key: 'k', xaddr: 'http://127.0.0.1/onvif/device_service', username: 'admin', step: 'done', outcome: 'updated',
  detail: 'd', nextStep: 'n', attempts: 2, failedAuths: 1, ms: 12.4, ...over,
});

describe("sync reports: the NVR's channels, and hostile text in CSV", () => {
  it('with the NVR channels: CSV, JSON and the printable page carry the channel table and the site summary', () => {
    const channels: ReportChannel[] = [
      { channel: 1, address: '192.168.1.11', outcome: 'recording', detail: 'Camera: Updated.' },
      { channel: 2, address: '192.168.1.254', outcome: 'not-reachable-from-laptop', detail: '<b>PoE</b>' },
    ];
    const rows = [row({ candidate: 2 })];
    const csv = parseCsv(toCsv(rows, channels));
    expect(csv[0]).toEqual([...CSV_COLUMNS]);
    // Which of the technician's passwords signed in: its position, never the password.
    expect(csv[1]![CSV_COLUMNS.indexOf('candidate')]).toBe('2');
    expect(csv[2]).toEqual(['']);
    expect(csv[3]).toEqual(['1 of 2 channels recording with the new password']);
    expect(csv[4]).toEqual([...CHANNEL_CSV_COLUMNS]);
    expect(csv[5]).toEqual(['1', '192.168.1.11', 'recording', 'Recording', 'Camera: Updated.', 'Nothing to do.']);
    expect(csv[6]!.slice(0, 3)).toEqual(['2', '192.168.1.254', 'not-reachable-from-laptop']);
    const json = JSON.parse(toJsonReport(rows, channels)) as { summary: string; cameras: unknown[]; channels: { outcome: string }[] };
    expect(json.summary).toBe('1 of 2 channels recording with the new password');
    expect(json.cameras).toHaveLength(1);
    expect(json.cameras[0]).toMatchObject({ candidate: 2 });
    expect(json.channels.map((c) => c.outcome)).toEqual(['recording', 'not-reachable-from-laptop']);
    const html = toHtmlReport(rows, { runId: 'r', startedAt: 0, channels });
    expect(html).toContain('NVR channels: 1 of 2 channels recording with the new password');
    expect(html).toContain('Not reachable from the laptop');
    expect(html).not.toContain('<b>PoE</b>');
    // Without channels, the reports are as before.
    expect(toCsv(rows)).not.toContain('channel');
    expect(Array.isArray(JSON.parse(toJsonReport(rows)))).toBe(true);
  });

  it('CSV round-trips any device text, and neutralises spreadsheet formulas', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), (detail, username) => {
        const csv = toCsv([row({ detail, username })]);
        const [header, line] = parseCsv(csv);
        expect(header).toEqual([...CSV_COLUMNS]);
        const d = line![CSV_COLUMNS.indexOf('detail')]!;
        expect(/^[=+\-@\t\r]/.test(detail) ? d === `'${detail}` : d === detail).toBe(true);
      }),
    );
    expect(toCsv([row({ detail: '=HYPERLINK("x")' })])).toContain(`"'=HYPERLINK(""x"")"`);
  });
});

describe('sync reports: words for every outcome, tallies, the printable page', () => {
  it('HTML escapes hostile text and carries no script', () => {
    const html = toHtmlReport([row({ detail: '<script>alert(1)</script>', outcome: 'rejected', subcode: '<b>' })], { runId: 'r1', startedAt: 0 });
    expect(html).not.toContain('<script>');
    expect(html).toContain('&#60;script&#62;');
    expect(JSON.parse(toJsonReport([row({})]))[0]).toMatchObject({ outcome: 'updated', ms: 12 });
  });

  it('every outcome has words and a next step; unknown subcodes say so', () => {
    for (const o of SyncOutcome.options) {
      expect(OUTCOMES[o].explanation.length).toBeGreaterThan(20);
      expect(nextStepFor(o).length).toBeGreaterThan(5);
    }
    expect(nextStepFor('rejected', 'PasswordTooLong')).toMatch(/shorter/);
    expect(nextStepFor('rejected', 'Zzz')).toMatch(/does not know/);
  });

  it('tallies outcomes at a glance, successes first, unfinished rows as in progress', () => {
    const rows = [
      ...Array.from({ length: 8 }, () => row({ outcome: 'updated' })),
      row({ outcome: 'unreachable' }),
      row({ outcome: 'already-current' }),
      row({ outcome: undefined, step: 'verify' }),
    ];
    expect(tallyLine(rows)).toBe('8 updated · 1 already current · 1 unreachable · 1 in progress');
    expect(tallyLine([])).toBe('');
  });

  it('the printable report has a header, camera names and local times with the zone', () => {
    const html = toHtmlReport([row({ finishedAt: Date.UTC(2026, 10, 25, 19, 36, 18) })], {
      runId: 'r1',
      startedAt: Date.UTC(2026, 10, 25, 19, 36, 0),
      finishedAt: Date.UTC(2026, 10, 25, 19, 36, 20),
      site: 'Corner shop',
      nvr: { model: 'NV4108-HS', serial: '7M0TPN', address: '192.168.1.10' },
      caseName: 'NV4108-HS · S/N 7M0TPN · 192.168.1.10',
      timeZone: 'Europe/Berlin',
      devices: { 'http://127.0.0.1/onvif/device_service': { name: 'Gate camera', model: 'IPC-HDW2431T', serial: '6J01', mac: '3c:ef:8c:f1:00:02' } },
    });
    expect(html).toContain('NV4108-HS · S/N 7M0TPN · 192.168.1.10');
    expect(html).toContain('Corner shop');
    expect(html).toContain('Gate camera');
    expect(html).toContain('MAC 3c:ef:8c:f1:00:02');
    expect(html).toContain('Europe/Berlin');
    expect(html).toMatch(/25 Nov 2026, 20:36:18 (CET|GMT\+1)/);
    expect(html).not.toMatch(/\d{4}-\d\d-\d\dT/);
  });
});
