/**
 * `node --import test/bench/firstFrameProbe.mjs dist/src/cli/main.js … console`: a V8 CPU
 * profile of the console's start, from this preload (right after Node's own boot) to the
 * moment its first full frame (the write holding the hint bar's `q quit`) goes to the
 * terminal, written to $KONF_FIRST_FRAME_PROFILE (a .cpuprofile file). An exact window,
 * unlike `--cpu-prof`, which runs until the process exits.
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';

const out = process.env.KONF_FIRST_FRAME_PROFILE;
if (!out) throw new Error('firstFrameProbe: set KONF_FIRST_FRAME_PROFILE');
const session = new Session();
session.connect();
session.post('Profiler.setSamplingInterval', { interval: 500 });
session.post('Profiler.enable');
session.post('Profiler.start');

const write = process.stdout.write;
let done = false;
process.stdout.write = function frameProbe(chunk, ...rest) {
  const result = write.call(this, chunk, ...rest);
  if (!done && String(chunk).includes('q quit')) {
    done = true;
    // A session on this thread answers synchronously: the profile ends at this write.
    session.post('Profiler.stop', (err, answer) => {
      if (err) throw err;
      writeFileSync(out, JSON.stringify(answer.profile));
      session.disconnect();
    });
  }
  return result;
};
