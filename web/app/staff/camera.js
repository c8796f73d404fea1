// The camera: getUserMedia (the back camera where there is one), each frame
// handed to the QR decoder, which is fetched (import()) only now. The first
// text read closes the camera and goes to the redeem screen, as a typed one.
import { useEffect, useRef, useState } from 'preact/hooks';
import { Button, Notice, html, useI18n } from '../ui.js';

// A frame every 150 ms: quick enough to feel instant, and the decoder's
// 10-30 ms a frame leaves the page responsive on a cheap phone.
export const camera_frame_interval_ms = 150;
const camera_constraints = { audio: false, video: { facingMode: 'environment', width: { ideal: 1280 }, height: { ideal: 720 } } };

export function Camera({ onText, onClose }) {
  const { t } = useI18n();
  const video = useRef(null);
  const [problem, setProblem] = useState(null);
  const [live, setLive] = useState(false);

  useEffect(() => {
    let stream = null;
    let timer = null;
    let stopped = false;
    const stop = () => {
      stopped = true;
      clearTimeout(timer);
      stream?.getTracks().forEach((track) => track.stop());
    };
    (async () => {
      if (!navigator.mediaDevices?.getUserMedia) return setProblem('staff.redeem.camera_missing');
      let decoder;
      try {
        [stream, decoder] = await Promise.all([navigator.mediaDevices.getUserMedia(camera_constraints), import('./qrdecode.js')]);
      } catch (e) {
        return setProblem(e?.name === 'NotAllowedError' ? 'staff.redeem.camera_denied' : 'staff.redeem.camera_missing');
      }
      if (stopped) return stop();
      video.current.srcObject = stream;
      await video.current.play().catch(() => {});
      setLive(true);
      const tick = () => {
        if (stopped) return;
        const text = decoder.decodeFrame(video.current);
        if (text) {
          stop();
          onText(text);
        } else timer = setTimeout(tick, camera_frame_interval_ms);
      };
      tick();
    })();
    return stop;
  }, []);

  return html`
    <div class="camera" data-testid="camera">
      ${problem ? html`<p class="alert" role="alert">${t(problem)}</p>` : html`<${Notice}>${t('staff.redeem.camera_on')}<//>`}
      <video ref=${video} class=${live ? 'camera-video' : 'camera-video hidden'} muted playsinline aria-label=${t('staff.redeem.camera_video')}></video>
      <${Button} kind="secondary" type="button" onClick=${onClose}>${t('staff.redeem.camera_close')}<//>
    </div>
  `;
}
