import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import Ajv from 'ajv';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

// electron-builder ships its configuration schema in app-builder-lib.
const require = createRequire(import.meta.url);
const schema = JSON.parse(readFileSync(require.resolve('app-builder-lib/scheme.json'), 'utf8')) as object;
const config = parse(readFileSync('electron-builder.yml', 'utf8')) as Record<string, unknown>;

function validate(cfg: unknown) {
  const ajv = new Ajv({ allErrors: true, strict: false, allowUnionTypes: true });
  const ok = ajv.validate(schema, cfg);
  return { ok, errors: ajv.errorsText(ajv.errors) };
}

describe('electron-builder.yml', () => {
  it('is valid against electron-builder’s own schema', () => {
    const r = validate(config);
    expect(r.errors).toBe('No errors');
    expect(r.ok).toBe(true);
  });

  it('the schema check can fail (a misspelt key is caught)', () => {
    expect(validate({ ...config, electronFusess: {} }).ok).toBe(false);
    expect(validate({ ...config, asar: 'yes please' }).ok).toBe(false);
  });

  it('builds AppImage and deb, nsis, dmg', () => {
    const targets = (k: string) => (config[k] as { target: string[] }).target;
    expect(targets('linux')).toEqual(['AppImage', 'deb']);
    expect(targets('win')).toEqual(['nsis']);
    expect(targets('mac')).toEqual(['dmg']);
  });

  it('turns the Electron fuses on', () => {
    expect(config.electronFuses).toMatchObject({
      runAsNode: false,
      enableCookieEncryption: true,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
    });
  });
});
