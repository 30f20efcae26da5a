// An AudioWorkletProcessor that shifts pitch by a fixed ratio (processorOptions.ratio; the
// capture page passes 2 ** (-5 / 12), five semitones down), keeping the duration.
//
// The algorithm: a delay-line (granular) shifter. The input is written into a ring buffer;
// two read heads trail the write head by a delay that sweeps from 1 sample to WINDOW samples
// and wraps. A delay changing by (1 - ratio) samples per sample makes a head read at
// `ratio` times the input's speed, so every frequency f comes out at ratio × f. Each head
// jumps back when its delay wraps; the heads are half a sweep apart and crossfaded with
// sin² / cos² gains (which sum to 1), so each jump happens while that head is silent.
// Output is mono (the input's channels averaged).

const GRAIN_SECONDS = 0.05;

class PitchShifter extends AudioWorkletProcessor {
  constructor({ processorOptions }) {
    super();
    this.ratio = processorOptions.ratio;
    this.window = Math.round(sampleRate * GRAIN_SECONDS);
    let size = 1;
    while (size < this.window + 4) size *= 2;
    this.buffer = new Float32Array(size);
    this.mask = size - 1;
    this.writeAt = 0;
    this.phase = 0; // the first head's delay, as a share of the window
    this.step = (1 - this.ratio) / this.window;
  }

  // The buffer read `delay` samples behind the write head, linearly interpolated.
  read(delay) {
    const position = this.writeAt - delay;
    const index = Math.floor(position);
    const fraction = position - index;
    const a = this.buffer[index & this.mask];
    const b = this.buffer[(index + 1) & this.mask];
    return a + (b - a) * fraction;
  }

  shiftSample(sample) {
    this.buffer[this.writeAt & this.mask] = sample;
    const other = (this.phase + 0.5) % 1;
    const gain = Math.sin(Math.PI * this.phase) ** 2; // the other head's gain is 1 - gain
    const out = gain * this.read(1 + this.phase * this.window)
      + (1 - gain) * this.read(1 + other * this.window);
    this.writeAt = (this.writeAt + 1) & this.mask;
    this.phase += this.step;
    this.phase -= Math.floor(this.phase); // back into [0, 1), for either sign of the step
    return out;
  }

  process(inputs, outputs) {
    const input = inputs[0];
    const output = outputs[0];
    const frames = output[0].length;
    for (let i = 0; i < frames; i += 1) {
      let sample = 0;
      for (const channel of input) sample += channel[i];
      output[0][i] = this.shiftSample(input.length ? sample / input.length : 0);
    }
    for (let c = 1; c < output.length; c += 1) output[c].set(output[0]);
    return true;
  }
}

registerProcessor("pitch-shifter", PitchShifter);
