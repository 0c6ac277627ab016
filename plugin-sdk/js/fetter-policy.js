// Write fetter policy plugins in JavaScript.
//
// A plugin is a module that registers one rule with `rule(fn)`: the rule
// gets the inventory (every installed distribution fetter found) and the
// settings, and returns an array (or any iterable) of verdicts made with
// `deny` and `warn`:
//
//   import { deny, rule } from './fetter-policy.js';
//   rule((inventory, settings) =>
//     [...inventory].filter((d) => d.vcs === 'git')
//       .map((d) => deny(d, 'example-custom/git-url', `${d.name} was installed from git`)));
//
// `fetter plugin build DIR` turns it into a sandboxed WebAssembly component
// (with componentize-js, WASI disabled). Inside the sandbox there is no
// network, clock or randomness from the OS: trying one throws a
// `SandboxError`, `console.*` goes to fetter's log, and an uncaught
// exception fails the run closed with its type, message and location.
//
// The module also runs under Node, so a plugin's own tests can call its
// rule on `Inventory.of([...])` without building anything.

/** Verdict severities, least to most serious. */
export const SEVERITIES = ['info', 'low', 'medium', 'high', 'critical'];

/** A capability a fetter plugin does not have. */
export class SandboxError extends Error {
  constructor(what) {
    super(`fetter plugins cannot ${what}: the sandbox grants only \`log\``);
    this.name = 'SandboxError';
  }
}

/** Settings the plugin rejects; the message names the problem. */
export class SettingsError extends Error {
  constructor(message) {
    super(message);
    this.name = 'SettingsError';
  }
}

/** PEP 503 normalised name: `Jaraco.Classes` -> `jaraco-classes`. */
export function normalize(name) {
  return name.replace(/[-_.]+/g, '-').toLowerCase();
}

let hostLog = (level, message) => {
  // Outside a component (Node tests): stderr.
  globalThis.process?.stderr?.write(`${level}: ${message}\n`);
};

/** Send one line to fetter's log (`debug`, `info`, `warn`, `error`). */
export function log(level, message) {
  hostLog(level, String(message));
}

/** One installed distribution: a view over the host's record. */
export class Distribution {
  constructor(index, record) {
    /** Its index in the inventory: what a verdict names. */
    this.index = index;
    this.record = record;
  }
  get name() { return this.record.name; }
  get normalizedName() { return this.record.normalizedName; }
  get version() { return this.record.version; }
  get environments() { return this.record.environments; }
  get site() { return this.record.site; }
  get installer() { return this.record.installer; }
  get requested() { return this.record.requested; }
  /** PEP 610 record `{url, vcs, commitId, editable}`, or undefined. */
  get directUrl() { return this.record.directUrl; }
  /** `git`, `hg`, … when installed from version control. */
  get vcs() { return this.record.directUrl?.vcs; }
  /** True for an editable install. */
  get editable() { return Boolean(this.record.directUrl?.editable); }
}

/** Everything a plugin judges; iterating yields `Distribution`s. */
export class Inventory {
  constructor(environments, distributions) {
    /** `{prefix, kind, pythonVersion, externallyManaged}` records. */
    this.environments = environments;
    this.records = distributions;
  }
  get length() { return this.records.length; }
  at(index) { return new Distribution(index, this.records[index]); }
  *[Symbol.iterator]() {
    const r = this.records;
    for (let i = 0; i < r.length; i++) yield new Distribution(i, r[i]);
  }
  /** An inventory from plain objects, for a plugin's own tests. */
  static of(distributions, environments = [{}]) {
    return new Inventory(
      environments.map((e) => ({ prefix: '/venv', kind: 'venv', externallyManaged: false, ...e })),
      distributions.map((d) => ({
        version: '0', environments: [0], site: '/venv/site-packages', installer: 'pip',
        requested: true, ...d, normalizedName: normalize(d.name),
        directUrl: d.directUrl && { url: '', editable: false, ...d.directUrl },
      })),
    );
  }
}

function verdict(dist, rule, message, action, severity, suggestion) {
  if (!SEVERITIES.includes(severity)) {
    throw new TypeError(`severity ${JSON.stringify(severity)} is not one of ${SEVERITIES.join(', ')}`);
  }
  const index = dist instanceof Distribution ? dist.index : dist;
  if (!Number.isInteger(index) || index < 0) throw new TypeError(`not a distribution: ${dist}`);
  return { distribution: index, rule, severity, action, message: String(message), suggestion };
}

/** A violation (validation fails, purge may remove it). `rule` is `<plugin>/<rule>`. */
export function deny(dist, rule, message, { severity = 'high', suggestion } = {}) {
  return verdict(dist, rule, message, 'deny', severity, suggestion);
}

/** A report-only verdict. */
export function warn(dist, rule, message, { severity = 'medium', suggestion } = {}) {
  return verdict(dist, rule, message, 'warn', severity, suggestion);
}

/** The plugin's settings (a JSON object) with typed getters. */
export class Settings {
  constructor(data = {}) { this.data = data; }
  static parse(text) {
    let data;
    try { data = JSON.parse(text); } catch (e) { throw new SettingsError(`settings are not valid JSON: ${e.message}`); }
    if (data === null || typeof data !== 'object' || Array.isArray(data)) {
      throw new SettingsError(`settings must be a JSON object, not ${JSON.stringify(data)}`);
    }
    return new Settings(data);
  }
  #get(key, fallback, check, what) {
    if (!(key in this.data)) return fallback;
    const v = this.data[key];
    if (!check(v)) throw new SettingsError(`setting \`${key}\` must be ${what}, not ${JSON.stringify(v)}`);
    return v;
  }
  string(key, fallback) { return this.#get(key, fallback, (v) => typeof v === 'string', 'a string'); }
  bool(key, fallback = false) { return this.#get(key, fallback, (v) => typeof v === 'boolean', 'true or false'); }
  int(key, fallback) { return this.#get(key, fallback, Number.isInteger, 'an integer'); }
  strings(key, fallback = []) {
    return this.#get(key, fallback, (v) => Array.isArray(v) && v.every((s) => typeof s === 'string'), 'a list of strings');
  }
  /** A list of package names, PEP 503 normalised. */
  names(key, fallback = []) { return this.strings(key, fallback).map(normalize); }
  /** Reject any key not listed (a typo would otherwise be ignored). */
  only(...keys) {
    const unknown = Object.keys(this.data).filter((k) => !keys.includes(k)).sort();
    if (unknown.length) throw new SettingsError(`unknown setting \`${unknown[0]}\` (known: ${keys.map((k) => `\`${k}\``).join(', ') || 'none'})`);
  }
}

let ruleFn = null;
let configureFn = null;

/** Register `fn(inventory, settings)` as the plugin's rule. */
export function rule(fn) { ruleFn = fn; return fn; }

/** Optionally register `fn(settings)` to check settings (throw SettingsError to reject). */
export function configure(fn) { configureFn = fn; return fn; }

/** Run the rule as the host would (for a plugin's own tests). */
export function run(inventory, settings = {}) {
  if (!ruleFn) throw new Error('no rule registered with rule()');
  const s = settings instanceof Settings ? settings : new Settings(settings);
  if (configureFn) configureFn(s);
  return [...(ruleFn(inventory, s) ?? [])];
}

/** `TypeError: boom (at policy.js:12:7)`: the error and its first stack frame outside the SDK. */
export function describe(e) {
  if (!(e instanceof Error)) return `uncaught ${typeof e}: ${String(e)}`;
  const text = e.message ? `${e.name}: ${e.message}` : e.name;
  const frame = String(e.stack ?? '').split('\n')
    .map((l) => l.trim())
    .find((l) => l && !l.includes('fetter-policy.js') && !l.includes('fetter-main.js'));
  if (!frame) return text;
  // SpiderMonkey frames read `fn@file:line:col`; keep the file's base name.
  const where = frame.replace(/^.*@/, '').replace(/^.*\//, '');
  const fn = frame.includes('@') ? frame.slice(0, frame.indexOf('@')) : '';
  return `${text} (at ${where}${fn ? ` in ${fn}` : ''})`;
}

function fail(e) {
  const err = new Error(describe(e));
  // componentize-js returns a thrown error's `payload` as the call's `err`.
  Object.defineProperty(err, 'payload', { value: describe(e) });
  return err;
}

function installSandbox() {
  const refuse = (what) => () => { throw new SandboxError(what); };
  const clock = refuse('read the clock');
  const RealDate = Date;
  globalThis.Date = class extends RealDate {
    constructor(...args) {
      if (args.length === 0) clock();
      super(...args);
    }
    static now() { return clock(); }
  };
  if (globalThis.performance) globalThis.performance.now = clock;
  globalThis.fetch = refuse('open network connections');
  if (globalThis.crypto) globalThis.crypto.getRandomValues = refuse("read the OS's random numbers");
  const line = (level) => (...args) => log(level, args.map((a) => (typeof a === 'string' ? a : safeJson(a))).join(' '));
  globalThis.console = {
    log: line('info'), info: line('info'), debug: line('debug'), trace: line('debug'),
    warn: line('warn'), error: line('error'),
  };
}

function safeJson(value) {
  try { return JSON.stringify(value) ?? String(value); } catch { return String(value); }
}

/**
 * The `evaluator` export for a plugin described by `meta` (what the build
 * embedded); `log` is the host's import. Called by the entry module that
 * `fetter plugin build` writes.
 */
export function makeEvaluator(meta, importedLog) {
  hostLog = importedLog;
  installSandbox();
  let settings = new Settings();
  return {
    info() {
      return {
        name: meta.name, version: meta.version,
        description: meta.description ?? '', settingsHelp: meta['settings-help'] ?? '',
      };
    },
    configure(text) {
      try {
        const s = Settings.parse(text);
        if (configureFn) configureFn(s);
        settings = s;
      } catch (e) {
        if (e instanceof SettingsError) { const err = new Error(e.message); Object.defineProperty(err, 'payload', { value: e.message }); throw err; }
        throw fail(e);
      }
    },
    evaluate(inventory) {
      try {
        if (!ruleFn) throw new Error('no rule registered with rule()');
        const out = [];
        for (const v of ruleFn(new Inventory(inventory.environments, inventory.distributions), settings) ?? []) {
          if (!v || typeof v.rule !== 'string' || !v.action) throw new TypeError('the rule returned something that is not a verdict (use deny() or warn())');
          out.push(v);
        }
        return out;
      } catch (e) {
        throw fail(e);
      }
    },
  };
}
