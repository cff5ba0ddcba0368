import type { RefObject } from 'react';
import { useWhyNot } from '../../src/WhyNot';

/**
 * Above the device table while any device is not initialised: how many such
 * rows are chosen (their checkbox, or Space on the row), and "Initialise…".
 */
export function InitBar({ initialisable, chosen, running, onChooseAll, onClear, onOpen, openRef }: {
  initialisable: number;
  chosen: number;
  /** An init run is going: one at a time (main refuses a second). */
  running: boolean;
  onChooseAll(): void;
  onClear(): void;
  onOpen(): void;
  openRef: RefObject<HTMLButtonElement | null>;
}) {
  const why = useWhyNot(
    running ? 'An initialisation is running: wait for it to end, or stop it.' : chosen === 0 && 'Choose a “Not initialised” row first: its checkbox, or Space on the row.',
  );
  return (
    <div className="init-bar" role="group" aria-label="New devices to initialise" data-testid="init-bar">
      <span data-testid="init-chosen" aria-live="polite">
        <b>
          {chosen} of {initialisable}
        </b>{' '}
        not-initialised device{initialisable === 1 ? '' : 's'} chosen
      </span>
      {/* Always there (a button that vanished under the keyboard would drop focus); each is harmless when it has nothing to do. */}
      <button type="button" onClick={onChooseAll} data-testid="init-choose-all">
        Choose all
      </button>
      <button type="button" onClick={onClear} data-testid="init-clear">
        Clear
      </button>
      <button type="button" className="primary" ref={openRef} onClick={onOpen} disabled={why.disabled} aria-describedby={why.describedBy} data-testid="init-open">
        Initialise…
      </button>
      {why.note}
    </div>
  );
}
