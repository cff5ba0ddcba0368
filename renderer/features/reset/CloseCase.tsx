import { useRef } from 'react';
import { STEP_TITLES, type ResetCase } from '../../../common/reset/case';
import { nvr } from '../../src/api';
import { useAction } from '../../src/use-action';
import { ErrorLine } from './ErrorLine';

/**
 * Closing a case without a reset asks first (a modal dialog: focus stays in it,
 * Escape keeps the case, focus returns to the button), and says how to undo it.
 * The browser's own <dialog> does the focus trap and restore; no library needed.
 */
export function CloseCase({ c }: { c: ResetCase }) {
  const dialog = useRef<HTMLDialogElement>(null);
  const [run, error, busy] = useAction();
  const close = () =>
    run(async () => {
      await nvr.cases.abandon({ caseId: c.id });
      dialog.current?.close();
    });
  return (
    <>
      <button type="button" className="link close-case" onClick={() => dialog.current?.showModal()}>
        Close this case without a reset…
      </button>
      <dialog ref={dialog} aria-labelledby={`close-q-${c.id}`} aria-describedby={`close-d-${c.id}`} className="confirm-dialog" data-testid="close-case-dialog">
        <h3 id={`close-q-${c.id}`}>Close this case without a reset?</h3>
        <p id={`close-d-${c.id}`}>
          The case stops here, at “{STEP_TITLES[c.step]}”. Nothing on the NVR changes. You can reopen it later from <b>Closed cases</b>, at the same step.
        </p>
        <ErrorLine error={error} />
        <div className="send-ways">
          <button type="button" autoFocus onClick={() => dialog.current?.close()}>
            Keep the case open
          </button>
          <button type="button" className="danger" disabled={busy} onClick={() => void close()}>
            Close the case
          </button>
        </div>
      </dialog>
    </>
  );
}
