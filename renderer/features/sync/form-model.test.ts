import { describe, expect, it } from 'vitest';
import type { InventoryDevice } from '../../../common/domain/device';
import { PASSWORD_RULE_HINT } from '../../src/password-rule';
import { collectForm, EMPTY_FORM, type FormState } from './form-model';

const camera = { id: 'cam1', xaddrs: ['http://127.0.1.11/onvif/device_service'] } as InventoryDevice;
const form = (over: Partial<FormState>): FormState => ({ ...EMPTY_FORM, candidates: ['Install2019'], newPassword: 'Camera2024x', confirm: 'Camera2024x', ...over });

describe('the sync form, collected before anything is sent', () => {
  it('the inventory’s chosen cameras and the typed addresses, with the passwords', () => {
    expect(collectForm(form({ manual: 'http://10.0.0.9/onvif/device_service' }), [camera], undefined)).toEqual({
      targets: [
        { xaddr: camera.xaddrs[0], username: 'admin', deviceId: 'cam1' },
        { xaddr: 'http://10.0.0.9/onvif/device_service', username: 'admin' },
      ],
      secrets: { currentPasswords: ['Install2019'], newPassword: 'Camera2024x' },
    });
  });

  it.each([
    ['10.0.0.9/onvif/device_service', 'no scheme'],
    ['ftp://10.0.0.9/onvif/device_service', 'not http(s)'],
    ['http://admin:secret@10.0.0.9/onvif/device_service', 'credentials in the address'],
    ['http://', 'no host'],
    ['javascript:alert(1)', 'a script'],
  ])('a typed address main would refuse is named here: %s (%s)', (xaddr) => {
    expect(collectForm(form({ manual: xaddr }), [], undefined)).toBe(`"${xaddr}" is not a device address like http://192.168.1.108/onvif/device_service.`);
  });

  it('what is missing, in order: a camera, the current password, a new password by the rule, the same twice', () => {
    expect(collectForm(form({}), [], undefined)).toBe('Choose at least one camera or type its ONVIF address.');
    expect(collectForm(form({ candidates: [''] }), [camera], undefined)).toMatch(/^Enter the password the cameras have now/);
    expect(collectForm(form({ newPassword: 'Camera<2024', confirm: 'Camera<2024' }), [camera], undefined)).toMatch(/contains "<"/);
    expect(collectForm(form({ confirm: 'Camera2024y' }), [camera], undefined)).toBe('Enter the new password twice, the same both times.');
  });

  it('with the reset case’s password the new one is not asked for; without a case the box means nothing', () => {
    expect(collectForm(form({ useCase: true, newPassword: '' }), [camera], 'case-1')).toMatchObject({ secrets: { currentPasswords: ['Install2019'], caseId: 'case-1' } });
    expect(collectForm(form({ useCase: true, newPassword: '' }), [camera], undefined)).toBe('Enter the new password.');
  });

  it('the hint under a new-password field (sync, init) says the shared rule, every refused character included', () => {
    expect(PASSWORD_RULE_HINT).toBe('8 to 32 characters, at least two of letters, digits and symbols; none of \' " ; : & < > or spaces.');
  });
});
