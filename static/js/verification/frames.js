// The video path: a hidden <video> (the camera, or a chosen file) drawn onto the visible
// canvas frame after frame, each frame with the tracked faces hidden. Detection runs beside
// the drawing, as fast as it can; each frame drawn uses the latest regions. The canvas is
// what the preview shows and what canvas.captureStream() records: never the <video>.

import { FaceTracker, anonymiseAll, detectFaces, scaleBox } from "./faces.js";

const MAX_WIDTH = 960;

export function firstFrame(video) {
  if (video.readyState >= HTMLMediaElement.HAVE_CURRENT_DATA && video.videoWidth) return Promise.resolve();
  return new Promise((resolve, reject) => {
    video.addEventListener("loadeddata", () => resolve(), { once: true });
    video.addEventListener("error", () => reject(new Error("the video could not be read")), { once: true });
  });
}

export class FramePipeline {
  constructor(faceapi, video, canvas, { inputSize } = {}) {
    this.faceapi = faceapi;
    this.video = video;
    this.canvas = canvas;
    this.context = canvas.getContext("2d");
    this.inputSize = inputSize;
    this.tracker = new FaceTracker();
    this.running = false;
    this.frames = 0;
  }

  // Resolves once the first frame is drawn, after the first detection: no frame is shown
  // or recorded before the detector has looked at one.
  async start() {
    await firstFrame(this.video);
    this.scale = Math.min(1, MAX_WIDTH / this.video.videoWidth);
    this.canvas.width = Math.round(this.video.videoWidth * this.scale);
    this.canvas.height = Math.round(this.video.videoHeight * this.scale);
    await this.detect();
    this.running = true;
    this.draw();
    this.detectLoop();
    this.drawLoop();
  }

  stop() {
    this.running = false;
  }

  get faces() {
    return this.tracker.most;
  }

  // The latest boxes, unwidened, in the canvas's pixels.
  boxes() {
    return this.tracker.tracked.map(({ box }) => box);
  }

  regions() {
    return this.tracker.regions(this.canvas.width, this.canvas.height);
  }

  async detect() {
    const found = await detectFaces(this.faceapi, this.video, this.inputSize);
    this.tracker.update(found.map((box) => scaleBox(box, this.scale)));
  }

  async detectLoop() {
    while (this.running) {
      try {
        await this.detect();
      } catch (error) {
        console.warn("face detection failed on a frame", error);
      }
      await new Promise((resolve) => setTimeout(resolve, 0)); // let a frame be drawn
    }
  }

  draw() {
    const { width, height } = this.canvas;
    this.context.drawImage(this.video, 0, 0, width, height);
    anonymiseAll(this.context, this.regions());
    this.frames += 1;
  }

  drawLoop() {
    const tick = () => {
      if (!this.running) return;
      this.draw();
      requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  }
}
