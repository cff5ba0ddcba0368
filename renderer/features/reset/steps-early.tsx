import { useCallback, useEffect, useState, type DragEvent } from 'react';
import { ErrorLine } from './ErrorLine';
import QRCode from 'qrcode';
import type { ResetCase } from '../../../common/reset/case';
import { checkEmail } from '../../../common/reset/email';
import { composeSupportMailto, SUPPORT_ADDRESS } from '../../../common/reset/mailto';
import { checkQrText } from '../../../common/reset/qr-text';
import { nvr } from '../../src/api';
import { useAppInfo } from '../../src/data';
import { copyText } from './copy';
import { useAction } from '../../src/use-action';
import { decodeQrFile } from './qr-image';
import { WebcamScanner } from './Webcam';

export interface StepProps {
  c: ResetCase;
  now: number;
}


export function ForgotStep({ c }: StepProps) {
  const [run, error, busy] = useAction();
  return (
    <>
      <p>On the NVR’s own monitor, with a USB mouse (the NVR must be connected by Ethernet):</p>
      <ol>
        <li>If an unlock pattern is shown, click <b>Forgot Unlock Pattern</b>.</li>
        <li>On the login screen, click the <b>Forgot Password</b> icon. The Reset Password screen asks for an email address.</li>
      </ol>
      <ErrorLine error={error} />
      <button type="button" className="primary" disabled={busy} onClick={() => run(() => nvr.cases.goto({ caseId: c.id, step: 'email' }))}>
        The NVR asks for the email
      </button>
    </>
  );
}

export function EmailStep({ c }: StepProps) {
  const [email, setEmail] = useState(c.email ?? '');
  const [run, error, busy] = useAction();
  const check = email ? checkEmail(email) : undefined;
  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        void run(() => nvr.cases.setEmail({ caseId: c.id, email }));
      }}
    >
      <p>
        Type the email address <b>registered on the NVR at setup</b> — on the NVR and here. Another address is refused by the NVR, and
        support’s reply goes to the registered one.
      </p>
      <label>
        Registered email
        <input type="email" value={email} onChange={(e) => setEmail(e.target.value)} autoComplete="email" required />
      </label>
      {check && !check.ok && <p className="reset-hint">{check.message}</p>}
      <ErrorLine error={error} />
      <button type="submit" className="primary" disabled={busy || !check?.ok}>
        Next
      </button>
    </form>
  );
}

type QrSource = 'image' | 'webcam' | 'paste';

export function QrStep({ c }: StepProps) {
  const capture = useQrCapture(c.qrText ?? '');
  const [run, error, busy] = useAction();
  const { text, take } = capture;
  const check = text ? checkQrText(text) : undefined;
  const fromWebcam = useCallback((t: string) => take(t, 'webcam'), [take]);
  return (
    <>
      <p>On the NVR, enter the email and click <b>Next</b>: it shows a QR code. Capture its text one of three ways:</p>
      <DropZone onFile={(f) => void capture.fromFile(f)} />
      {capture.decoding && <p role="status">Reading the QR code…</p>}
      {capture.problem && (
        <p role="alert" className="reset-error">
          {capture.problem}
        </p>
      )}
      <WebcamChoice onText={fromWebcam} />
      <label>
        QR text
        <textarea rows={3} value={text} spellCheck={false} onChange={(e) => take(e.target.value, 'paste')} />
      </label>
      {check && !check.ok && <p className="reset-error">{check.message}</p>}
      {check?.ok && check.warnings.map((w) => <p key={w} className="reset-warning">{w}</p>)}
      <ErrorLine error={error} />
      <button type="button" className="primary" disabled={busy || !check?.ok} onClick={() => run(() => nvr.cases.setQrText({ caseId: c.id, qrText: text, source: capture.source }))}>
        Use this text
      </button>
    </>
  );
}

/** The QR text and where it came from (an image, the webcam, typed or pasted); an image is decoded here, in the renderer. */
function useQrCapture(initial: string) {
  const [text, setText] = useState(initial);
  const [source, setSource] = useState<QrSource>('paste');
  const [problem, setProblem] = useState<string>();
  const [decoding, setDecoding] = useState(false);
  const take = useCallback((t: string, from: QrSource) => {
    setText(t);
    setSource(from);
  }, []);
  const fromFile = async (file: File | undefined) => {
    if (!file) return;
    setDecoding(true);
    setProblem(undefined);
    const r = await decodeQrFile(file);
    setDecoding(false);
    if (r.ok) take(r.text, 'image');
    else setProblem(r.message);
  };
  return { text, source, problem, decoding, take, fromFile };
}

/** A photo or screenshot of the QR code: chosen as a file, or dropped here. */
function DropZone({ onFile }: { onFile(file: File | undefined): void }) {
  const [dragOver, setDragOver] = useState(false);
  const onDrop = (e: DragEvent) => {
    e.preventDefault();
    setDragOver(false);
    onFile(e.dataTransfer.files[0]);
  };
  return (
    <div
      className={dragOver ? 'dropzone over' : 'dropzone'}
      role="group"
      aria-label="Image drop zone"
      onDragOver={(e) => (e.preventDefault(), setDragOver(true))}
      onDragLeave={() => setDragOver(false)}
      onDrop={onDrop}
    >
      <label>
        Photo or screenshot of the QR code
        <input type="file" accept="image/*" onChange={(e) => onFile(e.target.files?.[0])} />
      </label>
      <span className="reset-hint">…or drag and drop it here.</span>
    </div>
  );
}

/** The webcam scanner, open on request; it closes itself once it read a code. `onText` must keep its identity (the scanner restarts otherwise). */
function WebcamChoice({ onText }: { onText(text: string): void }) {
  const [open, setOpen] = useState(false);
  const onCode = useCallback(
    (t: string) => {
      onText(t);
      setOpen(false);
    },
    [onText],
  );
  if (!open)
    return (
      <button type="button" onClick={() => setOpen(true)}>
        Scan with the webcam
      </button>
    );
  return <WebcamScanner onText={onCode} onClose={() => setOpen(false)} />;
}

type SendVia = 'mail-client' | 'clipboard' | 'phone-qr';

export function SendStep({ c }: StepProps) {
  const [run, error, busy, setError] = useAction();
  const [via, setVia] = useState<SendVia>();
  const mailto = c.qrText ? composeSupportMailto(c.qrText) : '';
  const phoneQr = usePhoneQr(via === 'phone-qr' ? mailto : '', setError);
  return (
    <>
      <p>
        Support needs an email <b>to {SUPPORT_ADDRESS}</b>, with <b>no subject</b> and <b>only the QR text</b> in the body (no greeting, no
        signature), sent from the registered email ({c.email}).
      </p>
      <pre className="qr-text" aria-label="Message body">{c.qrText}</pre>
      <div className="send-ways">
        <button
          type="button"
          onClick={() =>
            run(async () => {
              await nvr.app.openExternal({ url: mailto });
              setVia('mail-client');
            })
          }
        >
          Open in the mail client
        </button>
        <button
          type="button"
          onClick={() =>
            run(async () => {
              await copyText(c.qrText ?? '');
              setVia('clipboard');
            })
          }
        >
          Copy the text
        </button>
        <button type="button" onClick={() => setVia('phone-qr')}>
          Show a QR code for the customer’s phone
        </button>
      </div>
      <SentWay via={via} phoneQr={phoneQr} />
      <p className="reset-warning">
        The reply can take up to 24 hours. Ask the customer to check spam/junk and filtered folders, and to add {SUPPORT_ADDRESS} to their contacts.
      </p>
      <ErrorLine error={error} />
      <button type="button" className="primary" disabled={busy || !via} onClick={() => run(() => nvr.cases.recordSent({ caseId: c.id, via: via! }))}>
        The message was sent
      </button>
    </>
  );
}

/** The mailto link drawn as a QR code for the customer's phone (when asked for: a non-empty link). */
function usePhoneQr(mailto: string, onError: (e: string) => void): string | undefined {
  const [image, setImage] = useState<string>();
  useEffect(() => {
    if (!mailto) return;
    QRCode.toDataURL(mailto, { errorCorrectionLevel: 'M', margin: 2, scale: 5 }).then(setImage, () => onError('The QR code for the phone could not be drawn.'));
  }, [mailto, onError]);
  return mailto ? image : undefined;
}

/** What the chosen way asks of the technician next (the demo says where its message really went). */
function SentWay({ via, phoneQr }: { via: SendVia | undefined; phoneQr: string | undefined }) {
  const demo = useAppInfo().data?.demo === true;
  if (via === 'clipboard') return <p role="status">Copied. Paste it as the whole body of a new email to {SUPPORT_ADDRESS}; leave the subject empty.</p>;
  if (via === 'mail-client' && demo)
    return (
      <p role="status">
        Demo: the message went straight to the demo’s own <b>stand-in for support’s mailbox</b> — not to real support and not through a
        mail client. Its reply with the security code is on the mailbox page printed when the demo started.
      </p>
    );
  if (via === 'mail-client') return <p role="status">The mail client opened with the message. Check the sender is the registered address, then send.</p>;
  if (via === 'phone-qr' && phoneQr)
    return (
      <figure>
        <img src={phoneQr} alt="QR code that opens the email to support on a phone" />
        <figcaption>The customer scans this with the phone’s camera; the mail app opens with the message ready. Send it from the registered address.</figcaption>
      </figure>
    );
  return null;
}
