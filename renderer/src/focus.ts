import { useLayoutEffect, useRef, useState } from 'react';

/**
 * Keyboard users must never be dropped on the page body after an action. Two
 * ways it happens, both caught here as a safety net (screens still move focus
 * on purpose where they know better, e.g. to a new step's heading):
 * - the focused control is removed (a form replaced by its result, a step by the next);
 * - the focused control is disabled while its action runs (the browser blurs it).
 * Then focus goes to the visible screen's focus home (`data-focus-home`, else the
 * screen's panel), and a control that was only disabled gets focus back once enabled.
 */
const HOME = '[data-focus-home]';

let lastFocused: Element | null = null;

function visiblePanel(): HTMLElement | null {
  return document.querySelector<HTMLElement>('[role="tabpanel"]:not([hidden])');
}

/** The visible screen's focus home: its marked heading, else the panel itself. */
export function focusHome(scope: ParentNode | null = visiblePanel()): void {
  const home = [...(scope?.querySelectorAll<HTMLElement>(HOME) ?? [])].find((e) => e.offsetParent !== null);
  const target = home ?? (scope instanceof HTMLElement ? scope : null);
  target?.focus({ preventScroll: false });
}

const isDisabled = (e: Element) => (e as HTMLButtonElement).disabled === true;

/** Gives focus back to a control once its action is over, unless the technician moved on meanwhile. */
function refocusWhenEnabled(control: HTMLElement, parked: Element | null): void {
  const observer = new MutationObserver(() => {
    if (isDisabled(control)) return;
    observer.disconnect();
    const a = document.activeElement;
    if (control.isConnected && (a === document.body || a === parked)) control.focus();
  });
  observer.observe(control, { attributes: true, attributeFilter: ['disabled'] });
  setTimeout(() => observer.disconnect(), 120_000);
}

function rescue(): void {
  if (document.activeElement !== document.body || !lastFocused) return;
  const lost = lastFocused;
  // A click on the page's background is the technician's choice; a control hidden with its screen is not.
  if (lost.isConnected && !isDisabled(lost) && (lost as HTMLElement).offsetParent !== null) return;
  focusHome(lost.isConnected ? (lost.closest('[role="tabpanel"]') ?? visiblePanel()) : visiblePanel());
  if (lost.isConnected && lost instanceof HTMLElement) refocusWhenEnabled(lost, document.activeElement);
}

/** Installs the safety net once, at start-up. */
export function installFocusRescue(): void {
  document.addEventListener('focusin', (e) => {
    if (e.target instanceof Element && e.target !== document.body) lastFocused = e.target;
  });
  // After the DOM settles (React's commit and its effects), not in the middle of it.
  const check = () => setTimeout(rescue, 0);
  document.addEventListener('focusout', check);
  new MutationObserver(check).observe(document.body, { childList: true, subtree: true, attributes: true, attributeFilter: ['disabled', 'hidden'] });
}

/**
 * Focus for after an action's own render: `focusAfterCommit(() => ref.current)`
 * focuses that element at the first commit where it exists. Not
 * requestAnimationFrame: after an `await`, React renders in a scheduler task
 * that can come after the next frame under load, so the element was not there
 * yet and focus stayed where the rescue above had parked it.
 */
export function useFocusAfterCommit(): (target: () => HTMLElement | null | undefined) => void {
  const pending = useRef<() => HTMLElement | null | undefined>(undefined);
  const [, rerender] = useState(0);
  useLayoutEffect(() => {
    const el = pending.current?.();
    if (!el) return;
    pending.current = undefined;
    el.focus();
  });
  return (target) => {
    pending.current = target;
    rerender((n) => n + 1);
  };
}
