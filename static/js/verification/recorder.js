// Recording a processed stream with MediaRecorder, stopped by the user or at the kind's
// limit, whichever comes first.

const TYPES = {
  video: ["video/webm;codecs=vp8,opus", "video/webm", "video/mp4"],
  audio: ["audio/webm;codecs=opus", "audio/ogg;codecs=opus"],
};
const EXTENSIONS = { "video/webm": "webm", "video/mp4": "mp4", "audio/webm": "webm", "audio/ogg": "ogg" };
const STOP_EARLY_MS = 150; // the limit is the server's too: end a little before it

export function recorderType(kind) {
  return TYPES[kind].find((type) => MediaRecorder.isTypeSupported(type)) ?? "";
}

// "proof.webm" for "video/webm;codecs=vp8,opus".
export function proofFilename(blobType) {
  const bare = blobType.split(";")[0].trim();
  return `proof.${EXTENSIONS[bare] ?? (bare.startsWith("image/") ? "jpg" : "webm")}`;
}

export class Recording {
  // onTick(seconds) is called about four times a second while recording.
  constructor(stream, kind, maxSeconds, onTick = () => {}) {
    this.recorder = new MediaRecorder(stream, { mimeType: recorderType(kind) });
    this.kind = kind;
    this.maxSeconds = maxSeconds;
    this.onTick = onTick;
    this.chunks = [];
    this.recorder.addEventListener("dataavailable", (event) => {
      if (event.data.size) this.chunks.push(event.data);
    });
  }

  // Resolves with {blob, seconds} once stopped.
  start() {
    const done = new Promise((resolve, reject) => {
      this.recorder.addEventListener("stop", () => resolve(this.result()), { once: true });
      this.recorder.addEventListener("error", (event) => reject(event.error), { once: true });
    });
    this.startedAt = performance.now();
    this.recorder.start(500);
    this.timer = setInterval(() => this.onTick(this.elapsed()), 250);
    if (this.maxSeconds) this.limit = setTimeout(() => this.stop(), this.maxSeconds * 1000 - STOP_EARLY_MS);
    return done;
  }

  elapsed() {
    return ((this.stoppedAt ?? performance.now()) - this.startedAt) / 1000;
  }

  stop() {
    clearInterval(this.timer);
    clearTimeout(this.limit);
    if (this.recorder.state === "inactive") return;
    this.stoppedAt = performance.now();
    this.recorder.stop();
  }

  result() {
    const type = this.recorder.mimeType || recorderType(this.kind);
    return { blob: new Blob(this.chunks, { type }), seconds: this.elapsed() };
  }
}
