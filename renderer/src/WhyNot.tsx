import { useId } from 'react';

/**
 * A disabled button always says why (a technician cannot hover for a tooltip
 * on a tablet, and a screen reader never reaches a disabled button). Renders the
 * reason beside it and gives the button's props for `aria-describedby`.
 */
export function useWhyNot(reason: string | false | undefined): { disabled: boolean; describedBy?: string; note: React.JSX.Element | null } {
  const id = useId();
  if (!reason) return { disabled: false, note: null };
  return {
    disabled: true,
    describedBy: id,
    note: (
      <span id={id} className="why-not" data-testid="why-disabled">
        {reason}
      </span>
    ),
  };
}
