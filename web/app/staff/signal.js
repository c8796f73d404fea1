// The sound and the buzz of a till's verdict, so a busy barista need not read
// the screen: one short high beep and one pulse for "hand it over", two low
// beeps and a double pulse for "do not". WebAudio, no sound file; where the
// browser has no audio or no vibration motor the screen alone says it.

export const beep_ok_hz = 880;
export const beep_no_hz = 220;
export const beep_ok_ms = 150;
export const beep_no_ms = 180;
export const beep_gap_ms = 90;
export const vibrate_ok_ms = [120];
export const vibrate_no_ms = [200, 100, 200];
const beep_gain = 0.2;

let audio = null;

/**
 * Makes (or wakes) the page's AudioContext; call it in a click handler, as
 * browsers let a page sound only after a person's gesture.
 */
export function unlockAudio() {
  try {
    audio ??= new AudioContext();
    if (audio.state === 'suspended') audio.resume().catch(() => {});
  } catch {
    audio = null; // no WebAudio: the verdict is seen, not heard
  }
}

function beep(at, hz, ms) {
  const osc = audio.createOscillator();
  const gain = audio.createGain();
  osc.type = 'square';
  osc.frequency.value = hz;
  gain.gain.value = beep_gain;
  osc.connect(gain).connect(audio.destination);
  osc.start(at);
  osc.stop(at + ms / 1000);
}

/** Sounds and buzzes the verdict `ok` (true: hand it over). */
export function signalVerdict(ok) {
  try {
    navigator.vibrate?.(ok ? vibrate_ok_ms : vibrate_no_ms);
  } catch {
    // Some browsers refuse vibrate in a frame or without a gesture; the screen says it.
  }
  if (!audio) return;
  const now = audio.currentTime;
  if (ok) beep(now, beep_ok_hz, beep_ok_ms);
  else {
    beep(now, beep_no_hz, beep_no_ms);
    beep(now + (beep_no_ms + beep_gap_ms) / 1000, beep_no_hz, beep_no_ms);
  }
}
