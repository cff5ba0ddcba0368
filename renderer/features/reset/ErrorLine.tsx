/** A step's error, announced to screen readers; nothing when there is none. */
export function ErrorLine({ error }: { error: string | undefined }) {
  return error ? (
    <p role="alert" className="reset-error">
      {error}
    </p>
  ) : null;
}
