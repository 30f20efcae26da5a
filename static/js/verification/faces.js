// Faces: the vendored tiny face detector (@vladmandic/face-api, weights from this site),
// the regions to hide (with a margin, held and widened when a detection misses), and the
// hiding itself: each region pixelated, then blurred, drawn over the canvas.

const MARGIN = 0.25;        // added on each side, as a share of the box's width / height
const MISS_GROWTH = 0.1;    // widened a little more for each detection that missed a face
const MISS_CAP = 0.6;       // at most this much more than MARGIN
const SCORE_THRESHOLD = 0.35; // lower than face-api's 0.5: a false blur costs little

let detectorLoading = null;

// The module and its weights load once (modelUrl: the weights manifest; the .bin it names
// is fetched from beside it). TensorFlow.js runs on WebGL where it works, else on the CPU
// (headless Chromium with --disable-gpu); never WASM, which the CSP does not allow.
export function loadDetector(moduleUrl, modelUrl) {
  detectorLoading ??= (async () => {
    const faceapi = await import(moduleUrl);
    await chooseBackend(faceapi.tf);
    await faceapi.nets.tinyFaceDetector.loadFromUri(modelUrl);
    return faceapi;
  })();
  return detectorLoading;
}

async function chooseBackend(tf) {
  for (const name of ["webgl", "cpu"]) {
    try {
      if (await tf.setBackend(name)) {
        await tf.ready();
        return name;
      }
    } catch {
      // try the next one
    }
  }
  throw new Error("no TensorFlow.js backend");
}

// Boxes ({x, y, width, height}, in the input's pixels) of every face found in an image,
// canvas or video element. inputSize 320 by default: at 224 the detector took the test
// astronaut's orange suit for a second face (score 0.66, as high as a real one's).
export async function detectFaces(faceapi, input, inputSize = 320) {
  const options = new faceapi.TinyFaceDetectorOptions({ inputSize, scoreThreshold: SCORE_THRESHOLD });
  const found = await faceapi.detectAllFaces(input, options);
  return found.map(({ box }) => ({ x: box.x, y: box.y, width: box.width, height: box.height }));
}

function overlaps(a, b) {
  return a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
}

// The faces of a clip over time. A face seen before and not found by the latest detection
// keeps its last box, widened by MISS_GROWTH per miss up to MISS_CAP, for the rest of the
// clip: a frame where the detector blinks still hides it.
export class FaceTracker {
  constructor() {
    this.tracked = [];   // {box, misses}
    this.most = 0;       // the most faces found at once: the count shown and sent
  }

  update(boxes) {
    const held = this.tracked
      .filter(({ box }) => !boxes.some((found) => overlaps(found, box)))
      .map(({ box, misses }) => ({ box, misses: misses + 1 }));
    this.tracked = [...boxes.map((box) => ({ box, misses: 0 })), ...held];
    this.most = Math.max(this.most, boxes.length);
  }

  // Boxes known from elsewhere (the live preview before a still), held as if missed once:
  // kept unless a detection finds them, not counted as found.
  hold(boxes) {
    this.tracked.push(...boxes.map((box) => ({ box, misses: 1 })));
  }

  regions(width, height) {
    return this.tracked.map(({ box, misses }) =>
      widen(box, MARGIN + Math.min(MISS_CAP, misses * MISS_GROWTH), width, height));
  }
}

export function scaleBox(box, factor) {
  return { x: box.x * factor, y: box.y * factor, width: box.width * factor, height: box.height * factor };
}

// A box grown by `margin` of its size on each side, in whole pixels, inside the frame.
export function widen(box, margin, width, height) {
  const left = Math.max(0, Math.floor(box.x - box.width * margin));
  const top = Math.max(0, Math.floor(box.y - box.height * margin));
  const right = Math.min(width, Math.ceil(box.x + box.width * (1 + margin)));
  const bottom = Math.min(height, Math.ceil(box.y + box.height * (1 + margin)));
  return { x: left, y: top, width: Math.max(0, right - left), height: Math.max(0, bottom - top) };
}

const scratch = document.createElement("canvas");

// Pixelate the region (about ten blocks across its shorter side), then draw the blocks again
// blurred by one block. The blurred copy is drawn from a larger area than the region and
// clipped to it, so its soft edge falls outside; the sharp blocks beneath cover the rest.
export function anonymise(context, region) {
  const { x, y, width, height } = region;
  if (width < 2 || height < 2) return;
  const block = Math.max(4, Math.round(Math.min(width, height) / 10));
  const pad = block * 2;
  const canvas = context.canvas;
  const sx = Math.max(0, x - pad);
  const sy = Math.max(0, y - pad);
  const sw = Math.min(canvas.width, x + width + pad) - sx;
  const sh = Math.min(canvas.height, y + height + pad) - sy;
  scratch.width = Math.max(1, Math.ceil(sw / block));
  scratch.height = Math.max(1, Math.ceil(sh / block));
  const small = scratch.getContext("2d");
  small.imageSmoothingQuality = "high";
  small.drawImage(canvas, sx, sy, sw, sh, 0, 0, scratch.width, scratch.height);

  context.save();
  context.beginPath();
  context.rect(x, y, width, height);
  context.clip();
  context.imageSmoothingEnabled = false;
  context.drawImage(scratch, 0, 0, scratch.width, scratch.height, sx, sy, sw, sh);
  context.filter = `blur(${block}px)`;
  context.drawImage(scratch, 0, 0, scratch.width, scratch.height, sx, sy, sw, sh);
  context.restore();
}

export function anonymiseAll(context, regions) {
  for (const region of regions) anonymise(context, region);
}
