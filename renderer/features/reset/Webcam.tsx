import { useEffect, useRef, useState } from 'react';
import { decodeBitmap } from './qr-image';

/**
 * Live scan from the laptop's webcam pointed at the NVR's monitor. Video only
 * (no microphone); the camera is released as soon as a code is read or the
 * panel closes.
 */
export function WebcamScanner({ onText, onClose }: { onText: (text: string) => void; onClose: () => void }) {
  const video = useRef<HTMLVideoElement>(null);
  const [status, setStatus] = useState('Starting the camera…');

  useEffect(() => {
    let stream: MediaStream | undefined;
    let timer: ReturnType<typeof setInterval> | undefined;
    let stopped = false;
    const stop = () => {
      stopped = true;
      if (timer) clearInterval(timer);
      stream?.getTracks().forEach((t) => t.stop());
    };
    (async () => {
      if (!navigator.mediaDevices?.getUserMedia) {
        setStatus('No camera access in this window. Use a photo or paste the text instead.');
        return;
      }
      try {
        stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: 'environment' }, audio: false });
      } catch (e) {
        const name = (e as DOMException).name;
        setStatus(
          name === 'NotAllowedError'
            ? 'Camera permission was refused. Allow the camera, or use a photo or paste the text.'
            : 'No camera found. Use a photo or paste the text instead.',
        );
        return;
      }
      if (stopped || !video.current) return stop();
      video.current.srcObject = stream;
      await video.current.play().catch(() => undefined);
      setStatus('Point the camera at the QR code on the NVR’s monitor. Hold still, avoid glare.');
      timer = setInterval(() => {
        const v = video.current;
        if (!v || v.readyState < 2) return;
        const r = decodeBitmap(v, v.videoWidth, v.videoHeight, true);
        if (r.ok) {
          stop();
          onText(r.text);
        }
      }, 400);
    })();
    return stop;
  }, [onText]);

  return (
    <div className="webcam" role="group" aria-label="Webcam scanner">
      <video ref={video} muted playsInline aria-label="Webcam preview" />
      <p role="status">{status}</p>
      <button type="button" onClick={onClose}>
        Stop camera
      </button>
    </div>
  );
}
