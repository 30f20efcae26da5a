// Where a proof comes from: the camera or microphone (getUserMedia), or a chosen file; and
// what to tell the user when there is no device to use.

export const LABELS = {
  photo: { open: "Turn on the camera", take: "Take the photo", device: "camera" },
  video: { open: "Turn on the camera", take: "Start recording", device: "camera" },
  audio: { open: "Turn on the microphone", take: "Start recording", device: "microphone" },
};

export async function getStream(kind) {
  if (!navigator.mediaDevices?.getUserMedia) throw new DOMException("no getUserMedia", "NotSupportedError");
  const get = (constraints) => navigator.mediaDevices.getUserMedia(constraints);
  // Raw sound for the shifter: the voice processing built into browsers would smear a tone.
  const audio = { echoCancellation: false, noiseSuppression: false, autoGainControl: false };
  const video = { width: { ideal: 1280 }, height: { ideal: 720 }, facingMode: "user" };
  if (kind === "audio") return get({ audio });
  if (kind === "photo") return get({ video });
  try {
    return await get({ video, audio });
  } catch {
    return get({ video }); // no microphone: a silent video
  }
}

// Why getUserMedia failed, in the user's words.
export function deviceProblem(kind, error) {
  const device = LABELS[kind].device;
  const refused = `This page was not allowed to use your ${device}.`;
  const missing = `No ${device} was found.`;
  return {
    NotAllowedError: refused,
    SecurityError: refused,
    NotFoundError: missing,
    OverconstrainedError: missing,
    NotReadableError: `Your ${device} is busy or could not be started.`,
  }[error?.name] ?? `This browser cannot record from a ${device} here.`;
}

// A hidden <video> or <audio> holding the raw source: only ever drawn or played into the
// processing, never shown, never uploaded.
export function mediaElement(parent, tag) {
  const element = document.createElement(tag);
  element.hidden = true;
  element.playsInline = true;
  element.preload = "auto";
  parent.append(element);
  return element;
}

export function kindOfFile(file) {
  const family = file.type.split("/")[0];
  return { image: "photo", video: "video", audio: "audio" }[family] ?? null;
}
