/** How a status reads at a glance: never colour alone, always an icon and a word with it. */
export type Tone = 'good' | 'bad' | 'warn' | 'wait';

const ICON: Record<Tone, string> = { good: '✓', bad: '✕', warn: '!', wait: '…' };

export function Status({ tone, children, testId }: { tone: Tone; children: React.ReactNode; testId?: string }) {
  return (
    <span className={`status ${tone}`} data-tone={tone} data-testid={testId}>
      <span className="status-icon" aria-hidden="true">
        {ICON[tone]}
      </span>
      {children}
    </span>
  );
}
