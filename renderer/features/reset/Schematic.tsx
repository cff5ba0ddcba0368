import type { Step } from '../../../common/reset/case';

/**
 * Our own line drawings of the NVR's monitor at each step (no vendor images):
 * what the technician should be looking at, with the control to click ringed.
 * The seed article relies on screenshots for exactly this.
 */
const W = 320;
const H = 200;
const HL = '#e8590c';

function Frame({ title, label, children }: { title: string; label: string; children: React.ReactNode }) {
  return (
    <figure className="schematic">
      {/* The caption says it in words; the drawing itself is hidden from assistive technology (and from label lookups). */}
      <svg viewBox={`0 0 ${W} ${H + 24}`} width={W} height={H + 24} aria-hidden="true" focusable="false" data-testid="schematic">
        <rect x="2" y="2" width={W - 4} height={H - 4} rx="8" fill="#1d2731" stroke="#56606b" strokeWidth="3" />
        <rect x={W / 2 - 30} y={H - 2} width="60" height="10" fill="#56606b" />
        <rect x={W / 2 - 60} y={H + 8} width="120" height="6" rx="3" fill="#56606b" />
        <text x="16" y="26" fill="#e8eef4" fontSize="13" fontFamily="sans-serif" fontWeight="bold">
          {title}
        </text>
        {children}
      </svg>
      <figcaption>On the NVR: {label}</figcaption>
    </figure>
  );
}

/** A field or button on the monitor; `hot` rings it as the thing to click or fill. */
function Box({ x, y, w, h = 22, text, hot, button }: { x: number; y: number; w: number; h?: number; text?: string; hot?: boolean; button?: boolean }) {
  return (
    <g>
      <rect x={x} y={y} width={w} height={h} rx="3" fill={button ? '#3a6ea5' : '#f4f6f8'} stroke={hot ? HL : '#8b949e'} strokeWidth={hot ? 3 : 1} />
      {text && (
        <text x={x + w / 2} y={y + h / 2 + 4} textAnchor="middle" fontSize="10" fontFamily="sans-serif" fill={button ? '#fff' : '#4f5760'}>
          {text}
        </text>
      )}
      {hot && <circle cx={x + w + 8} cy={y + h / 2} r="5" fill={HL} />}
    </g>
  );
}

function Label({ x, y, text }: { x: number; y: number; text: string }) {
  return (
    <text x={x} y={y} fontSize="10" fontFamily="sans-serif" fill="#c9d1d9">
      {text}
    </text>
  );
}

function Qr({ x, y }: { x: number; y: number }) {
  const cells = [0, 1, 2, 3, 4, 5, 6].flatMap((r) => [0, 1, 2, 3, 4, 5, 6].map((c) => [r, c] as const));
  return (
    <g>
      <rect x={x} y={y} width="70" height="70" fill="#fff" />
      {cells
        .filter(([r, c]) => (r * 7 + c * 3 + r * c) % 3 === 0 || (r < 2 && c < 2) || (r < 2 && c > 4) || (r > 4 && c < 2))
        .map(([r, c]) => (
          <rect key={`${r}-${c}`} x={x + 4 + c * 9} y={y + 4 + r * 9} width="8" height="8" fill="#000" />
        ))}
    </g>
  );
}

const SCREENS: Partial<Record<Step, () => React.JSX.Element>> = {
  forgot: () => (
    <Frame title="Login" label="The NVR’s login screen: click the Forgot Password icon (ringed) below the password field.">
      <Label x={60} y={70} text="User name" />
      <Box x={130} y={56} w={130} text="admin" />
      <Label x={60} y={104} text="Password" />
      <Box x={130} y={90} w={130} />
      <Box x={130} y={124} w={62} text="Login" button />
      <g>
        <circle cx="230" cy="135" r="11" fill="#f4f6f8" stroke={HL} strokeWidth="3" />
        <text x="230" y="139" textAnchor="middle" fontSize="12" fontFamily="sans-serif" fill="#1d2731">?</text>
        <Label x={204} y={162} text="Forgot Password" />
      </g>
    </Frame>
  ),
  email: () => (
    <Frame title="Reset Password" label="The Reset Password screen: type the registered email (ringed), then click Next.">
      <Label x={30} y={62} text="Enter the email address registered on this device." />
      <Label x={30} y={96} text="Email" />
      <Box x={80} y={82} w={190} hot text="owner@example.com" />
      <Box x={200} y={140} w={70} text="Next" button />
    </Frame>
  ),
  qr: () => (
    <Frame title="Reset Password" label="The NVR shows a QR code (ringed): capture it with a screenshot, the webcam or a phone, then click Next.">
      <Label x={30} y={52} text="Scan the QR code and email its text to support." />
      <rect x="122" y="62" width="76" height="76" fill="none" stroke={HL} strokeWidth="3" />
      <Qr x={125} y={65} />
      <Box x={200} y={150} w={70} text="Next" button />
    </Frame>
  ),
  send: () => (
    <Frame title="Reset Password" label="The QR screen stays up while the message goes to support: leave it there; do not click Back.">
      <Label x={30} y={52} text="Scan the QR code and email its text to support." />
      <Qr x={125} y={65} />
      <Box x={200} y={150} w={70} text="Next" button />
      <Label x={30} y={182} text="Leave this screen up until the code arrives." />
    </Frame>
  ),
  code: () => (
    <Frame title="Reset Password" label="The security-code screen: type the code from support’s reply (ringed), then click Next.">
      <Label x={30} y={62} text="Enter the security code from the email." />
      <Label x={30} y={96} text="Security code" />
      <Box x={110} y={82} w={150} hot text="XXXX-XXXX" />
      <Box x={120} y={140} w={60} text="Back" />
      <Box x={200} y={140} w={70} text="Next" button />
    </Frame>
  ),
  password: () => (
    <Frame title="Reset Password" label="The new-password screen: type the new password twice (ringed), then click Save.">
      <Label x={30} y={70} text="New Password" />
      <Box x={120} y={56} w={150} hot text="••••••••••" />
      <Label x={30} y={104} text="Confirm Password" />
      <Box x={120} y={90} w={150} hot text="••••••••••" />
      <Box x={200} y={140} w={70} text="Save" button />
    </Frame>
  ),
  sync: () => (
    <Frame title="Prompt" label="The NVR asks whether to sync the new password to connected devices: Save syncs (ringed), Cancel does not.">
      <Label x={30} y={70} text="Sync the new password to remotely" />
      <Label x={30} y={86} text="connected devices via the default protocol?" />
      <Box x={110} y={130} w={70} text="Save" button hot />
      <Box x={200} y={130} w={70} text="Cancel" />
    </Frame>
  ),
};

/** The drawing for a step, or nothing (the done step has no NVR screen to show). */
export function Schematic({ step }: { step: Step }) {
  const Screen = SCREENS[step];
  return Screen ? <Screen /> : null;
}
