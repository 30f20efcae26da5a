// The voice path: a Web Audio graph from the microphone's stream or a playing media element
// through the pitch-shifting worklet (pitch-worklet.js) into a MediaStreamAudioDestinationNode,
// whose track is what gets recorded. Nothing raw reaches the recording or the speakers.

const START_WAIT_MS = 1000;

// Without a user's press the browser may keep a new AudioContext suspended (resume() then
// waits for one): that is refused as autoplay is, with a NotAllowedError.
async function startOrRefuse(context) {
  await Promise.race([context.resume(), new Promise((resolve) => setTimeout(resolve, START_WAIT_MS))]);
  if (context.state !== "running") {
    context.close().catch(() => {});
    throw new DOMException("the audio could not start without a press", "NotAllowedError");
  }
}

export class VoiceShifter {
  // semitones: the fixed shift (the page's pitch_semitones, -5: ratio 2 ** (-5 / 12) = 0.749).
  static async create(workletUrl, semitones) {
    const context = new AudioContext();
    await context.audioWorklet.addModule(workletUrl);
    const shifter = new AudioWorkletNode(context, "pitch-shifter", {
      numberOfInputs: 1,
      numberOfOutputs: 1,
      outputChannelCount: [1],
      processorOptions: { ratio: 2 ** (semitones / 12) },
    });
    const destination = context.createMediaStreamDestination();
    shifter.connect(destination);
    await startOrRefuse(context);
    return new VoiceShifter(context, shifter, destination);
  }

  constructor(context, shifter, destination) {
    this.context = context;
    this.shifter = shifter;
    this.destination = destination;
  }

  // The shifted audio, as a track to record.
  get track() {
    return this.destination.stream.getAudioTracks()[0];
  }

  fromStream(stream) {
    this.context.createMediaStreamSource(stream).connect(this.shifter);
  }

  // A media element's sound goes only into the graph once connected (so only shifted, and
  // only into the recording); an element can be connected once in its life.
  fromElement(element) {
    this.context.createMediaElementSource(element).connect(this.shifter);
  }

  close() {
    this.context.close().catch(() => {});
  }
}
