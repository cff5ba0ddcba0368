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

export function QrStep({ c }: StepProps) {
  const [text, setText] = useState(c.qrText ?? '');
  const [source, setSource] = useState<'image' | 'webcam' | 'paste'>('paste');
  const [problem, setProblem] = useState<string>();
  const [decoding, setDecoding] = useState(false);
  const [webcam, setWebcam] = useState(false);
  const [dragOver, setDragOver] = useState(false);
  const [run, error, busy] = useAction();
  const check = text ? checkQrText(text) : undefined;

  const fromFile = async (file: File | undefined) => {
    if (!file) return;
    setDecoding(true);
    setProblem(undefined);
    const r = await decodeQrFile(file);
    setDecoding(false);
    if (r.ok) {
      setText(r.text);
      setSource('image');
    } else setProblem(r.message);
  };
  const onDrop = (e: DragEvent) => {
    e.preventDefault();
    setDragOver(false);
    void fromFile(e.dataTransfer.files[0]);
  };
  const onWebcamText = useCallback((t: string) => {
    setText(t);
    setSource('webcam');
    setWebcam(false);
  }, []);

  return (
    <>
      <p>On the NVR, enter the email and click <b>Next</b>: it shows a QR code. Capture its text one of three ways:</p>
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
          <input type="file" accept="image/*" onChange={(e) => void fromFile(e.target.files?.[0])} />
        </label>
        <span className="reset-hint">…or drag and drop it here.</span>
      </div>
      {decoding && <p role="status">Reading the QR code…</p>}
      {problem && (
        <p role="alert" className="reset-error">
          {problem}
        </p>
      )}
      {webcam ? (
        <WebcamScanner onText={onWebcamText} onClose={() => setWebcam(false)} />
      ) : (
        <button type="button" onClick={() => setWebcam(true)}>
          Scan with the webcam
        </button>
      )}
      <label>
        QR text
        <textarea
          rows={3}
          value={text}
          spellCheck={false}
          onChange={(e) => {
            setText(e.target.value);
            setSource('paste');
          }}
        />
      </label>
      {check && !check.ok && <p className="reset-error">{check.message}</p>}
      {check?.ok && check.warnings.map((w) => <p key={w} className="reset-warning">{w}</p>)}
      <ErrorLine error={error} />
      <button type="button" className="primary" disabled={busy || !check?.ok} onClick={() => run(() => nvr.cases.setQrText({ caseId: c.id, qrText: text, source }))}>
        Use this text
      </button>
    </>
  );
}

export function SendStep({ c }: StepProps) {
  const [run, error, busy, setError] = useAction();
  const demo = useAppInfo().data?.demo === true;
  const [via, setVia] = useState<'mail-client' | 'clipboard' | 'phone-qr'>();
  const [phoneQr, setPhoneQr] = useState<string>();
  const mailto = c.qrText ? composeSupportMailto(c.qrText) : '';
  useEffect(() => {
    if (via !== 'phone-qr' || !mailto) return;
    QRCode.toDataURL(mailto, { errorCorrectionLevel: 'M', margin: 2, scale: 5 }).then(setPhoneQr, () => setError('The QR code for the phone could not be drawn.'));
  }, [via, mailto, setError]);
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
      {via === 'clipboard' && <p role="status">Copied. Paste it as the whole body of a new email to {SUPPORT_ADDRESS}; leave the subject empty.</p>}
      {via === 'mail-client' &&
        (demo ? (
          <p role="status">
            Demo: the message went straight to the demo’s own <b>stand-in for support’s mailbox</b> — not to real support and not through a
            mail client. Its reply with the security code is on the mailbox page printed when the demo started.
          </p>
        ) : (
          <p role="status">The mail client opened with the message. Check the sender is the registered address, then send.</p>
        ))}
      {via === 'phone-qr' && phoneQr && (
        <figure>
          <img src={phoneQr} alt="QR code that opens the email to support on a phone" />
          <figcaption>The customer scans this with the phone’s camera; the mail app opens with the message ready. Send it from the registered address.</figcaption>
        </figure>
      )}
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
