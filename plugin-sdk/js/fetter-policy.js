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

// The columns path: the host's `columns.evaluate-columns` sends the
// inventory as one string per field (values joined with `\n`, each
// escaped: `\0` -> `\0` `0`, `\n` -> `\0` `n`, an absent value is `\0`
// alone), decoded with one native `split` per column. A distribution is
// then an index into the columns: nothing per record is built up front.

/** The host's columns do not fit together (a host bug; the run fails closed). */
class ColumnsError extends Error {
  constructor(message) {
    super(message);
    this.name = 'ColumnsError';
  }
}

function unescapeValue(value, what) {
  const parts = value.split('\0');
  let out = parts[0];
  for (let i = 1; i < parts.length; i++) {
    const code = parts[i][0];
    if (code === '0') out += '\0';
    else if (code === 'n') out += '\n';
    else throw new ColumnsError(`the ${what} column holds a malformed escape`);
    out += parts[i].slice(1);
  }
  return out;
}

/** The `count` values of a text column, unescaped (`optional`: absent is undefined). */
export function textColumn(text, count, what, optional = false) {
  if (count === 0) {
    if (text) throw new ColumnsError(`the ${what} column is not empty for 0 distributions`);
    return [];
  }
  let values = text.split('\n');
  if (values.length !== count) {
    throw new ColumnsError(`the ${what} column holds ${values.length} values for ${count} distributions`);
  }
  if (text.includes('\0')) {
    values = values.map((v) => (optional && v === '\0' ? undefined : unescapeValue(v, what)));
  }
  return values;
}

/** The decoded columns of an `inventory-columns` record. */
function decodeColumns(c) {
  const count = c.count;
  const requested = c.requested;
  if (requested.length !== count || /[^01]/.test(requested)) {
    throw new ColumnsError(`the requested column is not ${count} characters 0 or 1`);
  }
  const siteOf = new Uint32Array(count);
  let at = 0;
  for (const run of c.siteRuns) {
    if (run.site >= c.sites.length) throw new ColumnsError(`a site run names site ${run.site} of ${c.sites.length}`);
    if (run.count > count - at) throw new ColumnsError(`the site runs cover more than ${count} distributions`);
    siteOf.fill(run.site, at, at + run.count);
    at += run.count;
  }
  if (at !== count) throw new ColumnsError(`the site runs cover ${at} distributions of ${count}`);
  const directUrls = new Array(count).fill(undefined);
  for (const [index, url] of c.directUrls) {
    if (index >= count) throw new ColumnsError(`a direct URL names distribution ${index} of ${count}`);
    directUrls[index] = url;
  }
  return {
    names: textColumn(c.names, count, 'names'),
    normalizedNames: textColumn(c.normalizedNames, count, 'normalized-names'),
    versions: textColumn(c.versions, count, 'versions'),
    installers: textColumn(c.installers, count, 'installers', true),
    requested,
    sites: c.sites,
    siteOf,
    directUrls,
  };
}

/** A `Distribution` read from the decoded columns (`record` holds them). */
class ColumnDistribution extends Distribution {
  get name() { return this.record.names[this.index]; }
  get normalizedName() { return this.record.normalizedNames[this.index]; }
  get version() { return this.record.versions[this.index]; }
  get environments() { return this.record.sites[this.record.siteOf[this.index]].environments.slice(); }
  get site() { return this.record.sites[this.record.siteOf[this.index]].path; }
  get installer() { return this.record.installers[this.index]; }
  get requested() { return this.record.requested.charCodeAt(this.index) === 49; }
  get directUrl() { return this.record.directUrls[this.index]; }
  get vcs() { return this.record.directUrls[this.index]?.vcs; }
  get editable() { return Boolean(this.record.directUrls[this.index]?.editable); }
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
  /**
   * An inventory over the host's `inventory-columns` record (what
   * `columns.evaluate-columns` receives): the same distributions as the
   * records `evaluate` receives, read from the columns when asked.
   */
  static fromColumns(columns) {
    const decoded = decodeColumns(columns);
    const inv = new Inventory(columns.environments, null);
    const n = columns.count;
    Object.defineProperties(inv, {
      length: { value: n },
      // Record objects only for a rule that asks for `records`.
      records: { get() { return Array.from({ length: n }, (_, i) => recordOf(inv.at(i))); } },
      at: { value: (index) => new ColumnDistribution(index, decoded) },
      [Symbol.iterator]: {
        *value() {
          for (let i = 0; i < n; i++) yield new ColumnDistribution(i, decoded);
        },
      },
    });
    return inv;
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

function recordOf(d) {
  return {
    name: d.name, normalizedName: d.normalizedName, version: d.version, environments: d.environments,
    site: d.site, installer: d.installer, requested: d.requested, directUrl: d.directUrl,
  };
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
  const evaluator = {
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
      return evaluate(() => new Inventory(inventory.environments, inventory.distributions));
    },
  };
  function evaluate(inventory) {
    try {
      if (!ruleFn) throw new Error('no rule registered with rule()');
      const out = [];
      for (const v of ruleFn(inventory(), settings) ?? []) {
        if (!v || typeof v.rule !== 'string' || !v.action) throw new TypeError('the rule returned something that is not a verdict (use deny() or warn())');
        out.push(v);
      }
      return out;
    } catch (e) {
      throw fail(e);
    }
  }
  // The `columns` export (the entry module exports it): what the host
  // calls when a plugin has it.
  Object.defineProperty(evaluator, 'columns', {
    value: { evaluateColumns: (columns) => evaluate(() => Inventory.fromColumns(columns)) },
  });
  return evaluator;
}
