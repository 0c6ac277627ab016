// fetter fleet report: renders the embedded fetter.fleet/1 data.
// Every host string goes into the page through textContent (or a property
// such as title), never as markup.
"use strict";
(function () {
  var fleet = JSON.parse(document.getElementById("fleet-data").textContent);
  var SEVERITIES = ["critical", "high", "medium", "low", "info"];
  var SEV_RANK = { info: 0, low: 1, medium: 2, high: 3, critical: 4 };
  var STATUS_RANK = { pass: 0, "not-checked": 1, fail: 2, unreadable: 3 };
  var LIMIT = 1000;
  var state = { tab: "hosts", q: "", sev: "", status: "", sort: "", desc: false };

  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text !== undefined && text !== null) e.textContent = String(text);
    if (cls) e.className = cls;
    return e;
  }
  function lower(s) { return String(s === undefined || s === null ? "" : s).toLowerCase(); }
  function list(names, max) {
    if (names.length <= max) return names.join(", ");
    return names.slice(0, max).join(", ") + " … +" + (names.length - max) + " more";
  }

  // Packages by host: the answer to "which hosts have package X".
  var hostPkgs = {};
  fleet.packages.forEach(function (p) {
    p.versions.forEach(function (v) {
      v.hosts.forEach(function (h) {
        var a = hostPkgs[h] || (hostPkgs[h] = []);
        a.push(p.name, p.name + "==" + lower(v.version), lower(p.display_name));
      });
    });
  });
  var hostCodes = {};
  fleet.findings.forEach(function (f) {
    (hostCodes[f.host] || (hostCodes[f.host] = [])).push(f.code);
  });

  // Each view: its columns and its rows. A row has `cells` (by column key),
  // `fields` (what field:value terms match) and `text` (what free text matches).
  var COLS = {
    hosts: [["host", "Host"], ["status", "Status", "status"], ["environments", "Envs", "num"],
      ["distributions", "Packages", "num"], ["critical", "Critical", "num"], ["high", "High", "num"],
      ["medium", "Medium", "num"], ["low", "Low", "num"], ["info", "Info", "num"],
      ["failures", "Checks not run", "num"], ["note", "Note", "wrap"]],
    findings: [["host", "Host"], ["severity", "Severity", "sev"], ["action", "Action"], ["code", "Code"],
      ["package", "Package"], ["version", "Version"], ["id", "Id"], ["message", "Message", "wrap"],
      ["environments", "Environment", "mono"]],
    packages: [["package", "Package"], ["version", "Version"], ["hosts", "Hosts", "num"],
      ["versions", "Versions in fleet", "num"], ["hostlist", "Hosts with this version", "wrap"]],
    policies: [["code", "Code"], ["check", "Check"], ["severity", "Worst", "sev"], ["action", "Action"],
      ["hosts", "Hosts", "num"], ["findings", "Findings", "num"], ["hostlist", "Hosts", "wrap"]],
    changes: [["host", "Host"], ["change", "Change"], ["subject", "What"], ["before", "Before", "wrap"],
      ["after", "After", "wrap"]]
  };

  function hostRows() {
    return fleet.hosts.map(function (h) {
      var c = { host: h.name, status: h.status, environments: h.environments,
        distributions: h.distributions, failures: h.failures.length,
        note: h.error || h.failures.map(function (f) { return f.check + ": " + f.message; }).join("; ") };
      SEVERITIES.forEach(function (s) { c[s] = h.findings_by_severity[s] || 0; });
      return { cells: c, status: h.status,
        fields: { host: [h.name], status: [h.status], pkg: hostPkgs[h.name] || [], code: hostCodes[h.name] || [] },
        text: [h.name, h.status, c.note], go: { tab: "findings", q: "host=" + quote(h.name) } };
    });
  }
  function findingRows(list) {
    return list.map(function (f) {
      var c = { host: f.host, severity: f.severity, action: f.action, code: f.code, package: f.package || "",
        version: f.version || "", id: f.id || "", message: f.message, environments: f.environments.join(" ") };
      return { cells: c, sev: f.severity,
        fields: { host: [f.host], code: [f.code], check: [f.check], pkg: [lower(f.package)], id: [f.id || ""],
          sev: [f.severity], action: [f.action], env: f.environments },
        text: [f.host, f.code, f.package, f.version, f.id, f.message, f.environments.join(" ")] };
    });
  }
  function packageRows() {
    var out = [];
    fleet.packages.forEach(function (p) {
      p.versions.forEach(function (v) {
        out.push({ cells: { package: p.display_name, version: v.version, hosts: v.hosts.length,
          versions: p.versions.length, hostlist: list(v.hosts, 30) }, title: v.hosts.join(", "),
          fields: { pkg: [p.name, lower(p.display_name)], version: [v.version], host: v.hosts },
          text: [p.name, p.display_name, v.version],
          go: { tab: "hosts", q: "pkg=" + quote(p.name + "==" + lower(v.version)) } });
      });
    });
    return out;
  }
  function policyRows() {
    var by = {};
    fleet.findings.forEach(function (f) {
      var r = by[f.code] || (by[f.code] = { code: f.code, check: f.check, severity: f.severity, actions: {},
        hosts: {}, findings: 0 });
      if (SEV_RANK[f.severity] > SEV_RANK[r.severity]) r.severity = f.severity;
      r.actions[f.action] = true;
      r.hosts[f.host] = true;
      r.findings++;
    });
    return Object.keys(by).sort().map(function (k) {
      var r = by[k], hosts = Object.keys(r.hosts).sort();
      return { cells: { code: r.code, check: r.check, severity: r.severity,
        action: Object.keys(r.actions).sort().join(", "), hosts: hosts.length, findings: r.findings,
        hostlist: list(hosts, 30) }, sev: r.severity, title: hosts.join(", "),
        fields: { code: [r.code], check: [r.check], host: hosts, sev: [r.severity] },
        text: [r.code, r.check], go: { tab: "findings", q: "code=" + quote(r.code) } };
    });
  }
  function changeRows() {
    var ch = fleet.changes, out = [];
    if (!ch) return out;
    function row(host, change, subject, before, after) {
      out.push({ cells: { host: host, change: change, subject: subject, before: before, after: after },
        fields: { host: [host], change: [change], pkg: [lower(subject)] },
        text: [host, change, subject, before, after] });
    }
    ch.hosts_added.forEach(function (h) { row(h, "host added", "", "", ""); });
    ch.hosts_removed.forEach(function (h) { row(h, "host removed", "", "", ""); });
    ch.statuses.forEach(function (s) { row(s.host, "status", "", s.before, s.after); });
    ch.packages.forEach(function (p) {
      var kind = !p.before.length ? "package installed" : !p.after.length ? "package removed" : "package changed";
      row(p.host, kind, p.package, p.before.join(", "), p.after.join(", "));
    });
    ch.findings_new.forEach(function (f) {
      row(f.host, "new finding", f.code, "", [f.severity, f.package, f.version, f.id, f.message].filter(Boolean).join(" "));
    });
    ch.findings_resolved.forEach(function (f) {
      row(f.host, "resolved finding", f.code, [f.severity, f.package, f.version, f.id, f.message].filter(Boolean).join(" "), "");
    });
    return out;
  }
  var BUILD = { hosts: hostRows, findings: function () { return findingRows(fleet.findings); },
    packages: packageRows, policies: policyRows, changes: changeRows };
  var rowsCache = {};
  function rows(tab) {
    if (!rowsCache[tab]) {
      rowsCache[tab] = BUILD[tab]();
      rowsCache[tab].forEach(function (r) { r.lc = r.text.map(lower).join("\u0000"); });
    }
    return rowsCache[tab];
  }

  // Search terms: `word` (free text), `field:part` (substring), `field=value`
  // (exact), values quoted when they hold spaces.
  function quote(s) { return /[\s"]/.test(s) ? '"' + s.replace(/"/g, "") + '"' : s; }
  function parseQuery(q) {
    var re = /([a-z]+)([:=])(?:"([^"]*)"?|(\S*))|"([^"]*)"?|(\S+)/g, m, terms = [];
    while ((m = re.exec(q)) !== null) {
      if (m[1]) terms.push({ field: m[1], exact: m[2] === "=", value: lower(m[3] !== undefined ? m[3] : m[4]) });
      else terms.push({ value: lower(m[5] !== undefined ? m[5] : m[6]) });
    }
    return terms;
  }
  function matches(row, terms) {
    for (var i = 0; i < terms.length; i++) {
      var t = terms[i];
      if (!t.field) { if (row.lc.indexOf(t.value) < 0) return false; continue; }
      var vals = row.fields[t.field];
      if (!vals) return false;
      var hit = false;
      for (var j = 0; j < vals.length && !hit; j++) {
        var v = lower(vals[j]);
        hit = t.exact ? v === t.value : v.indexOf(t.value) >= 0;
      }
      if (!hit) return false;
    }
    return true;
  }

  function compare(col, type) {
    return function (a, b) {
      var x = a.cells[col], y = b.cells[col];
      if (type === "sev") { x = SEV_RANK[x]; y = SEV_RANK[y]; }
      else if (type === "status") { x = STATUS_RANK[x]; y = STATUS_RANK[y]; }
      else if (type !== "num") { x = lower(x); y = lower(y); }
      return x < y ? -1 : x > y ? 1 : 0;
    };
  }

  function render() {
    var cols = COLS[state.tab];
    var all = rows(state.tab), terms = parseQuery(state.q), minSev = state.sev ? SEV_RANK[state.sev] : -1;
    var shown = all.filter(function (r) {
      if (minSev >= 0 && r.sev !== undefined && SEV_RANK[r.sev] < minSev) return false;
      if (state.status && r.status !== undefined && r.status !== state.status) return false;
      return matches(r, terms);
    });
    var sortCol = cols.filter(function (c) { return c[0] === state.sort; })[0];
    if (sortCol) {
      var cmp = compare(sortCol[0], sortCol[2]);
      shown.sort(state.desc ? function (a, b) { return cmp(b, a); } : cmp);
    }
    var head = document.querySelector("#table thead tr"), body = document.querySelector("#table tbody");
    head.replaceChildren();
    cols.forEach(function (c) {
      var th = el("th", c[1], c[2] === "num" ? "num" : "");
      th.dataset.col = c[0];
      if (sortCol && sortCol[0] === c[0]) th.setAttribute("aria-sort", state.desc ? "descending" : "ascending");
      head.appendChild(th);
    });
    var frag = document.createDocumentFragment();
    shown.slice(0, LIMIT).forEach(function (r) {
      var tr = el("tr", null, r.go ? "go" : "");
      if (r.title) tr.title = r.title;
      if (r.go) tr.goTo = r.go;
      cols.forEach(function (c) {
        var v = r.cells[c[0]], td = el("td", null, c[2] === "num" ? "num" + (v === 0 ? " zero" : "") : c[2] || "");
        if (c[2] === "sev") td.appendChild(el("span", v, "badge sev-" + v));
        else if (c[2] === "status") td.appendChild(el("span", v, "badge st-" + v));
        else td.textContent = String(v);
        tr.appendChild(td);
      });
      frag.appendChild(tr);
    });
    body.replaceChildren(frag);
    var count = document.getElementById("count");
    count.dataset.total = all.length;
    count.dataset.matching = shown.length;
    count.dataset.shown = Math.min(shown.length, LIMIT);
    count.textContent = shown.length + " of " + all.length + " " + state.tab;
    document.getElementById("more").textContent = shown.length > LIMIT ?
      "Showing the first " + LIMIT + " of " + shown.length + "; refine the search to see the rest." :
      state.tab === "changes" && !fleet.changes ? "No previous report: run fetter report --previous OLD.json." : "";
    document.querySelectorAll("#tabs button").forEach(function (b) {
      b.setAttribute("aria-selected", String(b.dataset.tab === state.tab));
    });
    document.getElementById("sev-label").hidden = !(state.tab === "findings" || state.tab === "policies");
    document.getElementById("status-label").hidden = state.tab !== "hosts";
    document.getElementById("help").textContent = {
      hosts: "Click a host for its findings. pkg=NAME or pkg=NAME==VERSION lists the hosts that have a package.",
      findings: "One row per finding; host=, code=, pkg=, id=, env: narrow it.",
      packages: "One row per package version; click one for the hosts that have it.",
      policies: "Which hosts fail which rule; click one for its findings.",
      changes: "What changed since the previous report."
    }[state.tab];
  }

  function readHash() {
    var h = location.hash.replace(/^#/, "");
    state = { tab: "hosts", q: "", sev: "", status: "", sort: "", desc: false };
    h.split("&").forEach(function (kv) {
      var i = kv.indexOf("="), k = i < 0 ? kv : kv.slice(0, i), v = i < 0 ? "" : kv.slice(i + 1);
      try { v = decodeURIComponent(v.replace(/\+/g, " ")); } catch (e) { return; }
      if (k === "tab" && COLS[v]) state.tab = v;
      else if (k === "q") state.q = v;
      else if (k === "sev" && SEV_RANK[v] !== undefined) state.sev = v;
      else if (k === "status" && STATUS_RANK[v] !== undefined) state.status = v;
      else if (k === "sort") state.sort = v;
      else if (k === "desc") state.desc = v === "1";
    });
  }
  function writeHash() {
    var parts = ["tab=" + state.tab];
    ["q", "sev", "status", "sort"].forEach(function (k) {
      if (state[k]) parts.push(k + "=" + encodeURIComponent(state[k]));
    });
    if (state.desc) parts.push("desc=1");
    try { history.replaceState(null, "", "#" + parts.join("&")); } catch (e) { /* a file URL may refuse */ }
  }
  function syncControls() {
    document.getElementById("q").value = state.q;
    document.getElementById("sev").value = state.sev;
    document.getElementById("status").value = state.status;
  }
  function update() { writeHash(); render(); }

  function cards() {
    var s = fleet.summary, box = document.getElementById("cards");
    function card(n, label, cls) {
      var c = el("div", null, "card" + (cls ? " " + cls : ""));
      c.appendChild(el("span", n, "n"));
      c.appendChild(el("span", label, "l"));
      c.id = "card-" + label.replace(/\s+/g, "-");
      c.dataset.value = n;
      box.appendChild(c);
    }
    card(s.hosts, "hosts");
    ["fail", "not-checked", "unreadable", "pass"].forEach(function (st) { card(s.hosts_by_status[st] || 0, st); });
    card(s.packages, "packages");
    card(s.installs, "installs");
    card(s.findings, "findings");
    ["critical", "high"].forEach(function (sev) { card(s.findings_by_severity[sev] || 0, sev); });
    var meta = fleet.generator + ", " + fleet.generated_at;
    if (fleet.changes) meta += "; compared with the report of " + fleet.changes.previous_generated_at;
    document.getElementById("meta").textContent = meta;
  }

  readHash();
  cards();
  syncControls();
  render();
  document.getElementById("tabs").addEventListener("click", function (e) {
    var b = e.target.closest("button[data-tab]");
    if (!b) return;
    state.tab = b.dataset.tab; state.sort = ""; state.desc = false; update();
  });
  var timer = null;
  document.getElementById("q").addEventListener("input", function (e) {
    state.q = e.target.value;
    clearTimeout(timer);
    timer = setTimeout(update, 120);
  });
  document.getElementById("sev").addEventListener("change", function (e) { state.sev = e.target.value; update(); });
  document.getElementById("status").addEventListener("change", function (e) { state.status = e.target.value; update(); });
  document.querySelector("#table thead").addEventListener("click", function (e) {
    var th = e.target.closest("th");
    if (!th) return;
    if (state.sort === th.dataset.col) state.desc = !state.desc; else { state.sort = th.dataset.col; state.desc = false; }
    update();
  });
  document.querySelector("#table tbody").addEventListener("click", function (e) {
    var tr = e.target.closest("tr");
    if (!tr || !tr.goTo) return;
    state.tab = tr.goTo.tab; state.q = tr.goTo.q; state.sev = ""; state.status = ""; state.sort = ""; state.desc = false;
    syncControls(); update();
  });
  window.addEventListener("hashchange", function () { readHash(); syncControls(); render(); });
  // How long opening and the first (filtered) render took, for the benchmark.
  document.documentElement.dataset.renderMs = performance.now().toFixed(1);
})();
