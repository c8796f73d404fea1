// The camera's QR decoder: @paulmillr/qr's reader over one video frame drawn
// to a canvas. Loaded with import() only when the camera opens, so the till's
// first load carries none of it (its chunk is named `qrdecode`: lazily loaded
// asset names are a word and a hash).
import decodeQR from '@paulmillr/qr/decode.js';

// Frames are read at most this wide or tall: the decoder's time grows with
// the pixels, and a voucher's QR (version 8) needs far fewer.
export const camera_frame_px_max = 640;

let canvas = null;
let context = null;

/** The text of a QR code in the video's current frame, or null when none is read. */
export function decodeFrame(video) {
  const w = video.videoWidth;
  const h = video.videoHeight;
  if (!w || !h) return null;
  const scale = Math.min(1, camera_frame_px_max / Math.max(w, h));
  const width = Math.round(w * scale);
  const height = Math.round(h * scale);
  canvas ??= document.createElement('canvas');
  if (canvas.width !== width || canvas.height !== height) {
    canvas.width = width;
    canvas.height = height;
    context = canvas.getContext('2d', { willReadFrequently: true });
  }
  context.drawImage(video, 0, 0, width, height);
  const { data } = context.getImageData(0, 0, width, height);
  try {
    return decodeQR({ width, height, data });
  } catch {
    return null; // no code in this frame (the decoder throws when it finds none)
  }
}
