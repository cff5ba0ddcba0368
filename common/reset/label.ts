import type { NvrRef } from './case';

/**
 * How a case is named everywhere (wizard, case list, camera sync, reports):
 * "NV4108-HS · S/N 6J0C… · 192.168.1.10" — what the technician reads on the
 * NVR's label and network page. A name typed by hand (no model or serial) stays as typed.
 */
export function nvrDisplayName(nvr: NvrRef): string {
  const parts = [nvr.model, nvr.serial && `S/N ${nvr.serial}`, nvr.address].filter((p): p is string => Boolean(p && p.trim()));
  if (parts.length === 0) return nvr.label;
  // A typed label that says more than the identity (e.g. "Shop NVR") keeps its place in front.
  const extra = nvr.label && !parts.some((p) => p === nvr.label) && nvr.label !== nvr.model ? [nvr.label] : [];
  return [...(nvr.model ? [] : extra), ...parts].join(' · ');
}
