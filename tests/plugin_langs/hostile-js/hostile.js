// A plugin that tries, on purpose, what the sandbox must contain.
import { configure, rule, warn } from './fetter-policy.js';

const MODES = ['fetch', 'env', 'clock', 'perf', 'loop', 'alloc', 'raise', 'print', 'random', 'echo', 'none'];

// JSON with everything outside printable ASCII escaped, as Python writes it.
const ascii = (v) => JSON.stringify(v).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

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
    case 'echo': {
      // Every field as the SDK gives it, for comparing the records path
      // with the columns path.
      const out = [...inventory].map((d) => warn(d, 'hostile-js/echo', ascii([
        d.index, d.name, d.normalizedName, d.version, d.environments, d.site, d.installer ?? null,
        d.requested, d.directUrl ? [d.directUrl.url, d.directUrl.vcs ?? null, d.directUrl.commitId ?? null, d.directUrl.editable] : null,
        d.vcs ?? null, d.editable,
      ])));
      if (inventory.length) {
        const envs = inventory.environments.map((e) => [e.prefix, e.kind, e.pythonVersion ?? null, e.externallyManaged]);
        out.push(warn(first, 'hostile-js/environments', ascii([inventory.length, inventory.at(inventory.length - 1).index, envs])));
      }
      return out;
    }
    case 'random':
      return [...inventory].map((d) => warn(d, 'hostile-js/random', Math.random().toFixed(17)));
    default:
  }
  return [];
});
