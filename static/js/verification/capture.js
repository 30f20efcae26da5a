// The capture page (templates/verification/capture.html). A photo, a video (≤ 15 s) or a voice
// clip (≤ 30 s), from the camera / microphone or from a file, goes through the same path:
// faces found and hidden on every frame (faces.js, frames.js), the voice lowered
// (voice.js, pitch-worklet.js), recorded (recorder.js), hashed and shown; it is uploaded
// (proof.js) only when the user presses Upload. The raw media stays in hidden elements and
// is never offered for upload.

import { FaceTracker, anonymiseAll, detectFaces, loadDetector, scaleBox } from "./faces.js";
import { FramePipeline, firstFrame } from "./frames.js";
import { VoiceShifter } from "./voice.js";
import { Recording, proofFilename } from "./recorder.js";
import { describeBytes, describeSeconds, sha256Hex, uploadProof } from "./proof.js";
import { LABELS, deviceProblem, getStream, kindOfFile, mediaElement } from "./sources.js";

const PHOTO_INPUT_SIZE = 416;  // one still: a larger detector input, finer faces
const PHOTO_MAX_SIDE = 1600;
const JPEG_QUALITY = 0.9;
const LEAVE_AFTER_MS = 1200;   // the success message is read, then off to done_url

const root = document.getElementById("capture");
const byId = (id) => document.getElementById(id);
const ui = {
  controls: byId("capture-controls"), canvas: byId("capture-canvas"), stage: byId("capture-stage"),
  voiceNote: byId("capture-voice"), open: byId("capture-open"), take: byId("capture-take"),
  stop: byId("capture-stop"), timer: byId("capture-timer"), nodevice: byId("capture-nodevice"),
  fallback: byId("capture-fallback"), file: byId("capture-file"), process: byId("capture-process"), status: byId("capture-status"), review: byId("capture-review"),
  reviewTitle: byId("capture-review-title"), preview: byId("proof-preview"), faces: byId("faces-blurred"),
  facesNote: byId("faces-note"), size: byId("proof-size"), duration: byId("proof-duration"),
  durationRow: byId("proof-duration-row"), sha256: byId("proof-sha256"), error: byId("upload-error"),
  upload: byId("proof-upload"), retake: byId("proof-retake"),
};
const config = root.dataset;
const limits = JSON.parse(byId("capture-limits").textContent);
const csrfToken = root.querySelector('input[name="csrfmiddlewaretoken"]').value;
const semitones = Number(config.semitones);

let detector = null;  // face-api, once loaded
let live = null;      // the source being processed: {kind, stream?, element?, url?, pipeline?, voice?}
let recording = null;
let proof = null;     // {blob, kind, faces, seconds, sha256, url, fromDevice}
let heldFile = null;  // a chosen clip the browser would not play without a press

// --- State and controls ---------------------------------------------------------------------

function setState(state, message) {
  root.dataset.state = state;
  ui.status.dataset.state = state;
  ui.status.textContent = message;
  const busy = ["processing", "recording", "uploading", "uploaded"].includes(state);
  for (const input of root.querySelectorAll('input[name="kind"]')) input.disabled = busy;
  ui.file.disabled = busy;
  ui.process.disabled = busy;
  ui.open.disabled = busy;
  ui.open.hidden = state === "live" || state === "recording";
  ui.take.hidden = state !== "live";
  ui.stop.hidden = state !== "recording";
  ui.timer.hidden = state !== "recording";
  ui.upload.disabled = busy;
  ui.retake.disabled = busy;
}

function selectedKind() {
  return root.querySelector('input[name="kind"]:checked')?.value ?? "photo";
}

function showKind(kind) {
  ui.open.textContent = LABELS[kind].open;
  ui.take.textContent = LABELS[kind].take;
}

// The capture controls and the file picker, or the review: one or the other.
function showReview(reviewing) {
  ui.controls.hidden = reviewing;
  ui.fallback.hidden = reviewing;
  ui.review.hidden = !reviewing;
}

// --- Sources --------------------------------------------------------------------------------

async function watchFaces(element) {
  const pipeline = new FramePipeline(detector, element, ui.canvas);
  await pipeline.start();
  ui.canvas.hidden = false;
  return pipeline;
}

async function openDevice() {
  const kind = selectedKind();
  releaseLive();
  setState("processing", `Turning on the ${LABELS[kind].device}…`);
  let stream;
  try {
    stream = await getStream(kind);
  } catch (error) {
    noDevice(kind, error);
    return;
  }
  try {
    live = { kind, stream };
    if (kind === "audio" || stream.getAudioTracks().length) {
      live.voice = await VoiceShifter.create(config.worklet, semitones);
      live.voice.fromStream(stream);
    }
    if (kind === "audio") {
      ui.voiceNote.hidden = false;
    } else {
      live.element = mediaElement(ui.stage, "video");
      live.element.muted = true;
      live.element.srcObject = stream;
      await live.element.play();
      live.pipeline = await watchFaces(live.element);
    }
  } catch (error) {
    releaseLive();
    failed("The camera or microphone could not be used.", error);
    return;
  }
  ui.nodevice.hidden = true;
  const ready = kind === "audio" ? "Microphone on." : "Camera on: faces are blurred in the preview.";
  setState("live", `${ready} Press “${LABELS[kind].take}”.`);
  ui.take.focus();
}

function noDevice(kind, error) {
  ui.nodevice.textContent = `${deviceProblem(kind, error)} You can choose a file instead: it goes through the same processing, on this device.`;
  ui.nodevice.dataset.reason = error?.name ?? "unknown";
  ui.nodevice.hidden = false;
  setState("ready", `No ${LABELS[kind].device} to use: choose a file below.`);
}

function releaseLive() {
  if (!live) return;
  live.pipeline?.stop();
  live.stream?.getTracks().forEach((track) => track.stop());
  live.voice?.close();
  if (live.element) {
    live.element.pause();
    live.element.srcObject = null;
    live.element.removeAttribute("src");
    live.element.remove();
  }
  if (live.url) URL.revokeObjectURL(live.url);
  ui.canvas.hidden = true;
  ui.voiceNote.hidden = true;
  live = null;
}

// --- Photo ----------------------------------------------------------------------------------

// A still from any drawable source (the camera's <video>, a decoded image file), its faces
// hidden, as a JPEG. `prior` boxes (from the live preview, in `priorWidth` pixels) are kept
// when the still's own detection misses them.
async function processPhoto(source, width, height, prior = [], priorWidth = width) {
  setState("processing", "Blurring faces…");
  const scale = Math.min(1, PHOTO_MAX_SIDE / Math.max(width, height));
  const canvas = document.createElement("canvas");
  canvas.width = Math.round(width * scale);
  canvas.height = Math.round(height * scale);
  const context = canvas.getContext("2d");
  context.drawImage(source, 0, 0, canvas.width, canvas.height);
  const tracker = new FaceTracker();
  const factor = canvas.width / priorWidth;
  tracker.hold(prior.map((box) => scaleBox(box, factor)));
  tracker.update(await detectFaces(detector, canvas, PHOTO_INPUT_SIZE));
  anonymiseAll(context, tracker.regions(canvas.width, canvas.height));
  const blob = await new Promise((resolve) => canvas.toBlob(resolve, "image/jpeg", JPEG_QUALITY));
  canvas.width = canvas.height = 0; // drop the pixels
  return { blob, kind: "photo", faces: tracker.most, seconds: null };
}

async function takePhoto() {
  const { element, pipeline } = live;
  const result = await processPhoto(element, element.videoWidth, element.videoHeight,
    pipeline.boxes(), ui.canvas.width);
  releaseLive();
  return result;
}

// --- Clips ----------------------------------------------------------------------------------

async function recordClip() {
  const { kind, pipeline, voice } = live;
  const tracks = kind === "video" ? ui.canvas.captureStream(30).getVideoTracks() : [];
  if (voice) tracks.push(voice.track);
  const limit = limits[kind].seconds;
  recording = new Recording(new MediaStream(tracks), kind, limit, (seconds) => {
    ui.timer.textContent = `${Math.floor(seconds)} s of ${Math.round(limit)} s`;
  });
  const done = recording.start();
  setState("recording", kind === "audio" ? "Recording your voice, lowered." : "Recording, faces blurred.");
  ui.stop.focus();
  if (live.url) {
    // a file plays once, into the recording
    await live.element.play().catch((error) => {
      recording.stop();
      recording = null;
      throw error;
    });
  }
  const { blob, seconds } = await done;
  recording = null;
  const faces = pipeline ? pipeline.faces : null;
  releaseLive();
  return { blob, kind, faces, seconds };
}

// A chosen video or sound file, decoded by a hidden element, its sound into the shifter
// and (video) its frames into the face pipeline. A WebM with sound only counts as audio.
async function openClipFile(file, kind) {
  const element = mediaElement(ui.stage, kind === "video" ? "video" : "audio");
  live = { kind, element, url: URL.createObjectURL(file) };
  element.src = live.url;
  await new Promise((resolve, reject) => {
    element.addEventListener("loadedmetadata", resolve, { once: true });
    element.addEventListener("error", () => reject(new Error("the file could not be read")), { once: true });
  });
  if (kind === "video" && !element.videoWidth) live.kind = "audio";
  element.addEventListener("ended", () => recording?.stop());
  live.voice = await VoiceShifter.create(config.worklet, semitones);
  live.voice.fromElement(element);
  if (live.kind === "video") {
    await firstFrame(element);
    live.pipeline = await watchFaces(element);
  }
}

// --- Files ----------------------------------------------------------------------------------

async function useFile(file) {
  const kind = kindOfFile(file);
  if (!kind || !limits[kind]) {
    failed("That file is not a photo, a video or a sound clip this page can use.");
    return;
  }
  releaseLive();
  heldFile = null;
  ui.process.hidden = true;
  try {
    if (kind === "photo") {
      const bitmap = await createImageBitmap(file);
      const result = await processPhoto(bitmap, bitmap.width, bitmap.height);
      bitmap.close();
      await review(result, false);
      return;
    }
    setState("processing", "Reading the file…");
    await openClipFile(file, kind);
    await review(await recordClip(), false);
  } catch (error) {
    releaseLive();
    if (error?.name === "NotAllowedError") {
      holdFile(file); // autoplay refused: a press on the button below plays it
      return;
    }
    failed("That file could not be processed.", error);
  } finally {
    ui.file.value = "";
  }
}

function holdFile(file) {
  heldFile = file;
  ui.process.hidden = false;
  setState("ready", "The browser plays the file only after a press: press “Process the chosen file”.");
  ui.process.focus();
}

// --- Review and upload ----------------------------------------------------------------------

async function review(result, fromDevice) {
  const { blob, kind } = result;
  if (!blob || !blob.size) {
    failed("Nothing was recorded. Try again.");
    return;
  }
  const sha256 = await sha256Hex(blob);
  proof = { ...result, sha256, fromDevice, url: URL.createObjectURL(blob) };
  for (const input of root.querySelectorAll('input[name="kind"]')) input.checked = input.value === kind;
  showPreview(proof);
  showReview(true);
  ui.error.hidden = true;
  const tooBig = blob.size > limits[kind].bytes;
  setState("review", tooBig
    ? `It is ${describeBytes(blob.size)}, over the ${describeBytes(limits[kind].bytes)} limit: retake a shorter one.`
    : "Ready. Check the result, then upload it or retake.");
  ui.upload.disabled = tooBig;
  ui.reviewTitle.focus();
}

function showPreview({ blob, kind, faces, seconds, sha256, url }) {
  const tag = { photo: "img", video: "video", audio: "audio" }[kind];
  const media = document.createElement(tag);
  media.src = url;
  if (tag === "img") media.alt = "Your photo, faces blurred";
  else media.controls = true;
  ui.preview.replaceChildren(media);
  ui.faces.textContent = faces === null ? "No picture" : String(faces);
  ui.facesNote.textContent = facesNote(kind, faces);
  ui.size.textContent = describeBytes(blob.size);
  ui.durationRow.hidden = seconds === null;
  ui.duration.textContent = seconds === null ? "" : describeSeconds(seconds);
  ui.sha256.textContent = sha256;
}

function facesNote(kind, faces) {
  const voice = kind === "photo" ? "" : ` The voice is lowered by ${-semitones} semitones.`;
  if (faces === null) return voice.trim();
  if (faces === 0) {
    return "No face was found, so nothing was blurred. Look at the preview: if a face shows, retake. "
      + "The server checks again and refuses a clear face." + voice;
  }
  return `${faces === 1 ? "One face was" : `${faces} faces were`} found and blurred.${voice}`;
}

async function upload() {
  if (!proof) return;
  setState("uploading", "Uploading…");
  ui.error.hidden = true;
  const fields = { habit: config.habit, on: config.on, kind: proof.kind, sha256: proof.sha256 };
  if (proof.faces !== null) fields.faces = String(proof.faces);
  const result = await uploadProof(config.apiUrl, csrfToken, fields, proof.blob, proofFilename(proof.blob.type));
  if (result.ok) {
    setState("uploaded", "Uploaded. Your proof is waiting for review.");
    setTimeout(() => window.location.assign(config.doneUrl), LEAVE_AFTER_MS);
    return;
  }
  ui.error.textContent = result.error.message;
  ui.error.dataset.code = result.error.code;
  if (result.error.code === "plan_limit" && config.pricingUrl) {
    const upgrade = document.createElement("a");
    upgrade.href = config.pricingUrl;
    upgrade.textContent = "See Premium";
    ui.error.append(" ", upgrade);
  }
  ui.error.hidden = false;
  setState("error", "Not uploaded. You can try again or retake.");
}

function retake() {
  const again = proof?.fromDevice;
  if (proof) URL.revokeObjectURL(proof.url);
  proof = null;
  ui.preview.replaceChildren();
  showReview(false);
  showKind(selectedKind());
  setState("ready", "Ready.");
  if (again) act(openDevice);
  else ui.open.focus();
}

function failed(message, error) {
  if (error) console.error(error);
  showReview(false);
  setState("ready", message);
}

// --- Wiring ---------------------------------------------------------------------------------

async function act(step) {
  try {
    const result = await step();
    if (result) await review(result, true);
  } catch (error) {
    releaseLive();
    failed("Something went wrong while processing. Try again.", error);
  }
}

function wire() {
  for (const hint of root.querySelectorAll(".capture-kind-limit")) {
    const seconds = limits[hint.dataset.kind]?.seconds;
    hint.textContent = seconds ? `(up to ${Math.round(seconds)} s)` : "";
  }
  root.addEventListener("change", (event) => {
    if (event.target.name !== "kind") return;
    releaseLive();
    showKind(selectedKind());
    setState("ready", "Ready.");
  });
  ui.open.addEventListener("click", () => act(openDevice));
  ui.take.addEventListener("click", () => live && act(live.kind === "photo" ? takePhoto : recordClip));
  ui.stop.addEventListener("click", () => recording?.stop());
  ui.file.addEventListener("change", () => ui.file.files[0] && useFile(ui.file.files[0]));
  ui.process.addEventListener("click", () => heldFile && useFile(heldFile));
  ui.upload.addEventListener("click", upload);
  ui.retake.addEventListener("click", retake);
  window.addEventListener("pagehide", releaseLive);
}

async function start() {
  wire();
  showKind(selectedKind());
  showReview(false);
  setState("processing", "Loading the face blurring…");
  try {
    detector = await loadDetector(config.faceApi, config.faceModel);
  } catch (error) {
    console.error(error);
    setState("error", "The face blurring could not load, so nothing can be recorded here. Reload the page to try again.");
    ui.controls.hidden = true;
    ui.fallback.hidden = true;
    return;
  }
  setState("ready", "Ready.");
}

start();
