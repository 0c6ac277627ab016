// A plugin that tries, on purpose, what the sandbox must contain.
import { configure, rule, warn } from './fetter-policy.js';

const MODES = ['fetch', 'env', 'clock', 'perf', 'loop', 'alloc', 'raise', 'print', 'random', 'none'];

configure((settings) => {
  settings.only('mode');
  if (!MODES.includes(settings.string('mode', 'none'))) throw new Error('unknown mode');
});

rule((inventory, settings) => {
  const mode = settings.string('mode', 'none');
  const first = inventory.at(0);
  switch (mode) {
    case 'fetch':
      fetch('http://127.0.0.1:9/');
      break;
    case 'env':
      return [warn(first, 'hostile-js/env', globalThis.process.env.HOME)];
    case 'clock':
      return [warn(first, 'hostile-js/clock', String(Date.now()))];
    case 'perf':
      return [warn(first, 'hostile-js/clock', String(performance.now()))];
    case 'loop':
      for (;;) { /* spin */ }
    case 'alloc': {
      const hoard = [];
      // Typed arrays: 16 MiB a step, so the memory limit comes before the time limit.
      for (;;) hoard.push(new Uint8Array(16 << 20).fill(7));
    }
    case 'raise':
      return null.field;
    case 'print':
      console.log('hello from javascript', { n: 1 });
      console.error('and from console.error');
      break;
    case 'random':
      return [...inventory].map((d) => warn(d, 'hostile-js/random', Math.random().toFixed(17)));
    default:
  }
  return [];
});
