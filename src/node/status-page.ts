// The status page a node serves at `/`: plain HTML, CSS and browser JavaScript, no build step and no
// dependency. It lives in a TypeScript string so it ships with the code however that is built. The
// script reads /api/cluster of the node that served it (every member, asked over NATS), then each
// member's own /api/status at its advertised URL (rates and latencies come from two samples of the
// cumulative counts), and redraws every second. The DOM is built with textContent only: ids and
// URLs from the cluster never become markup.
export const STATUS_PAGE_HTML = String.raw`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Keel status</title>
<style>
  :root { --bg: #f5f6f8; --card: #fff; --ink: #1d2330; --muted: #6b7384; --line: #e3e6ec; --accent: #2457d6;
          --ok: #1f8a4c; --warn: #b7791f; --bad: #c53030; }
  * { box-sizing: border-box; }
  body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; background: var(--bg); color: var(--ink); }
  header { background: #16213a; color: #fff; padding: 14px 28px; display: flex; align-items: baseline; gap: 18px; flex-wrap: wrap; }
  header h1 { margin: 0; font-size: 20px; letter-spacing: .5px; }
  header .sub { color: #b9c3da; }
  header .live { margin-left: auto; color: #b9c3da; font-size: 13px; }
  .dot { display: inline-block; width: 8px; height: 8px; border-radius: 50%; background: var(--ok); margin-right: 6px; vertical-align: middle; }
  .dot.stale { background: var(--bad); }
  main { padding: 20px 28px 40px; max-width: 1200px; }
  .cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(170px, 1fr)); gap: 12px; margin-bottom: 20px; }
  .card { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 12px 16px; }
  .card .label { color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: .6px; }
  .card .value { font-size: 24px; font-weight: 600; margin-top: 2px; font-variant-numeric: tabular-nums; }
  .card .value.none { color: var(--bad); }
  section { background: var(--card); border: 1px solid var(--line); border-radius: 8px; margin-bottom: 20px; overflow: hidden; }
  section h2 { font-size: 14px; margin: 0; padding: 10px 16px; border-bottom: 1px solid var(--line); background: #fafbfc; }
  table { width: 100%; border-collapse: collapse; font-variant-numeric: tabular-nums; }
  th, td { text-align: left; padding: 8px 16px; border-bottom: 1px solid var(--line); white-space: nowrap; }
  th { color: var(--muted); font-weight: 500; font-size: 12px; text-transform: uppercase; letter-spacing: .5px; }
  td.num, th.num { text-align: right; }
  tr:last-child td { border-bottom: none; }
  tr.leader td:first-child { font-weight: 700; }
  tr.unreachable td { color: var(--muted); background: #fff6f6; }
  .badge { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 12px; font-weight: 600; }
  .badge.leader { background: #e3ecff; color: var(--accent); }
  .badge.follower { background: #eef0f4; color: #4a5263; }
  .badge.candidate, .badge.precandidate { background: #fff3dc; color: var(--warn); }
  .badge.learner { background: #eef7f1; color: var(--ok); }
  .badge.unreachable { background: #fde8e8; color: var(--bad); }
  .ok { color: var(--ok); } .bad { color: var(--bad); }
  .empty { color: var(--muted); padding: 12px 16px; }
  a { color: var(--accent); text-decoration: none; }
  a:hover { text-decoration: underline; }
  .error { color: var(--bad); padding: 10px 16px; }
</style>
</head>
<body>
<header>
  <h1>Keel</h1>
  <span class="sub">cluster <b id="cluster">…</b></span>
  <span class="sub">served by <b id="served-by">…</b></span>
  <span class="live"><span class="dot" id="live-dot"></span><span id="updated">loading…</span></span>
</header>
<main>
  <div class="cards">
    <div class="card"><div class="label">Leader</div><div class="value" id="leader">…</div></div>
    <div class="card"><div class="label">Term</div><div class="value" id="term">…</div></div>
    <div class="card"><div class="label">Members up</div><div class="value" id="members-up">…</div></div>
    <div class="card"><div class="label">Requests / s</div><div class="value" id="rate">…</div></div>
    <div class="card"><div class="label">Revision</div><div class="value" id="revision">…</div></div>
  </div>
  <section>
    <h2>Members</h2>
    <div id="cluster-error" class="error" hidden></div>
    <table>
      <thead><tr><th>Node</th><th>Role</th><th class="num">Term</th><th class="num">Commit</th><th class="num">Applied</th>
        <th class="num">Lag</th><th>Ready</th><th class="num">Req/s</th><th class="num">Watches</th><th>URL</th></tr></thead>
      <tbody id="members"></tbody>
    </table>
  </section>
  <section>
    <h2>Requests (all members, last interval)</h2>
    <table>
      <thead><tr><th>Operation</th><th class="num">Req/s</th><th class="num">Mean ms</th><th class="num">p99 ms</th><th class="num">Total</th></tr></thead>
      <tbody id="requests"></tbody>
    </table>
  </section>
  <section>
    <h2>Recent leader changes (seen by <span id="changes-by">…</span>)</h2>
    <table>
      <thead><tr><th>Time</th><th class="num">Term</th><th>Leader</th></tr></thead>
      <tbody id="changes"></tbody>
    </table>
  </section>
</main>
<script>
"use strict";
var REFRESH_MS = 1000;
var previous = {};   // member id -> { at, requests } of the last sample
var lastOk = 0;

function el(tag, attrs, children) {
  var e = document.createElement(tag);
  for (var k in attrs || {}) {
    if (k === "text") e.textContent = attrs[k];
    else if (k === "cls") e.className = attrs[k];
    else e.setAttribute(k, attrs[k]);
  }
  (children || []).forEach(function (c) { if (c) e.appendChild(c); });
  return e;
}
function td(text, cls) { return el("td", { text: text === undefined || text === null ? "–" : String(text), cls: cls || "" }); }
function setText(id, text, cls) { var e = document.getElementById(id); e.textContent = text; if (cls !== undefined) e.className = cls; }
function fmt(n, digits) { return n === null || n === undefined || !isFinite(n) ? "–" : n.toFixed(digits); }

function getJson(url, timeoutMs) {
  var ctl = new AbortController();
  var timer = setTimeout(function () { ctl.abort(); }, timeoutMs);
  return fetch(url, { signal: ctl.signal, cache: "no-store" })
    .then(function (r) { if (!r.ok) throw new Error("HTTP " + r.status); return r.json(); })
    .finally(function () { clearTimeout(timer); });
}

// Between two samples of one member: per operation, requests, summed seconds and bucket counts.
function delta(now, before) {
  var out = {};
  if (!before) return out;
  var dt = (now.at - before.at) / 1000;
  if (dt <= 0) return out;
  Object.keys(now.requests).forEach(function (op) {
    var a = now.requests[op], b = before.requests[op] || { count: 0, sumSeconds: 0, buckets: a.buckets.map(function () { return 0; }) };
    out[op] = { seconds: dt, count: a.count - b.count, sum: a.sumSeconds - b.sumSeconds,
                buckets: a.buckets.map(function (c, i) { return c - b.buckets[i]; }) };
  });
  return out;
}

function p99(buckets, bounds, count) {
  if (count <= 0) return null;
  var want = Math.ceil(count * 0.99);
  for (var i = 0; i < buckets.length; i++) if (buckets[i] >= want) return bounds[i] * 1000;
  return Infinity;
}

function refresh() {
  getJson("api/cluster", 3000).then(function (cluster) {
    return Promise.all(cluster.members.map(function (m) {
      var url = m.status && m.status.metricsUrl;
      if (!url) return Promise.resolve(null);
      return getJson(url.replace(/\/$/, "") + "/api/status", 1500).catch(function () { return null; });
    })).then(function (details) { render(cluster, details); });
  }).then(function () {
    lastOk = Date.now();
    document.getElementById("cluster-error").hidden = true;
  }, function (err) {
    var box = document.getElementById("cluster-error");
    box.hidden = false;
    box.textContent = "Cannot reach the node that served this page: " + err.message;
  }).finally(function () {
    var stale = Date.now() - lastOk > 3 * REFRESH_MS;
    document.getElementById("live-dot").className = stale ? "dot stale" : "dot";
    setTimeout(refresh, REFRESH_MS);
  });
}

function render(cluster, details) {
  setText("cluster", cluster.cluster);
  setText("served-by", cluster.nodeId);
  setText("changes-by", cluster.nodeId);
  setText("leader", cluster.leader || "none", cluster.leader ? "value" : "value none");
  document.getElementById("leader").setAttribute("data-leader", cluster.leader || "");
  setText("term", String(cluster.term));
  setText("updated", "updated " + new Date(cluster.at).toLocaleTimeString());

  var rows = [], totals = {}, bounds = null, up = 0, totalRate = 0, revision = 0, mine = null;
  cluster.members.forEach(function (m, i) {
    var d = details[i], s = m.status;
    if (d && d.nodeId === cluster.nodeId) mine = d;
    if (s) { up++; revision = Math.max(revision, s.revision); }
    var dd = d ? delta(d, previous[m.id]) : {};
    if (d) { previous[m.id] = { at: d.at, requests: d.requests }; bounds = d.requestBuckets; }
    var memberRate = null;
    Object.keys(dd).forEach(function (op) {
      var x = dd[op], t = totals[op] || (totals[op] = { count: 0, sum: 0, seconds: x.seconds, buckets: x.buckets.map(function () { return 0; }), total: 0 });
      t.count += x.count; t.sum += x.sum; t.seconds = Math.max(t.seconds, x.seconds);
      x.buckets.forEach(function (c, j) { t.buckets[j] += c; });
      memberRate = (memberRate || 0) + x.count / x.seconds;
    });
    if (d) Object.keys(d.requests).forEach(function (op) {
      var t = totals[op] || (totals[op] = { count: 0, sum: 0, seconds: 0, buckets: d.requests[op].buckets.map(function () { return 0; }), total: 0 });
      t.total += d.requests[op].count;
    });
    if (memberRate !== null) totalRate += memberRate;
    var role = s ? s.role : "unreachable";
    var isLeader = s && m.id === cluster.leader;
    var lag = s ? Math.max(0, s.commitIndex - s.appliedIndex) : null;
    var url = s && s.metricsUrl;
    rows.push(el("tr", { cls: (isLeader ? "leader " : "") + (s ? "" : "unreachable"), "data-member": m.id, "data-role": role }, [
      td(m.id + (m.member === "learner" ? " (learner)" : "")),
      el("td", {}, [el("span", { cls: "badge " + role, text: role })]),
      td(s && s.term, "num"), td(s && s.commitIndex, "num"), td(s && s.appliedIndex, "num"), td(lag, "num"),
      d ? el("td", { cls: d.ready && !(s && s.alarms && s.alarms.length) ? "ok" : "bad",
        text: (d.ready ? "ready" : "not ready") + (s && s.alarms && s.alarms.length ? " · alarm " + s.alarms.join(",") : ""),
        title: d.readyReason }) : td(s ? "?" : "–"),
      td(memberRate === null ? null : fmt(memberRate, 1), "num"),
      td(d && d.watches, "num"),
      el("td", {}, [url ? el("a", { href: url + "/metrics", text: url }) : document.createTextNode(s ? "(no HTTP)" : (m.error || "–"))]),
    ]));
  });
  document.getElementById("members").replaceChildren.apply(document.getElementById("members"), rows);
  setText("members-up", up + " / " + cluster.members.length, up * 2 > cluster.members.length ? "value" : "value none");
  setText("rate", fmt(totalRate, 1));
  setText("revision", String(revision));

  var reqRows = Object.keys(totals).sort().map(function (op) {
    var t = totals[op];
    var rate = t.seconds > 0 ? t.count / t.seconds : null;
    var mean = t.count > 0 ? t.sum / t.count * 1000 : null;
    var q = bounds ? p99(t.buckets, bounds, t.count) : null;
    return el("tr", { "data-op": op }, [td(op), td(fmt(rate, 1), "num"), td(fmt(mean, 2), "num"),
      td(q === Infinity ? "> " + bounds[bounds.length - 1] * 1000 : (q === null ? "–" : "≤ " + q), "num"), td(t.total, "num")]);
  });
  var reqBody = document.getElementById("requests");
  if (reqRows.length === 0) reqRows = [el("tr", {}, [el("td", { colspan: "5", cls: "empty", text: "no requests yet" })])];
  reqBody.replaceChildren.apply(reqBody, reqRows);

  var changes = (mine ? mine.recentLeaderChanges : []).slice().reverse().map(function (c) {
    return el("tr", {}, [td(new Date(c.at).toLocaleTimeString()), td(c.term, "num"), td(c.leader || "none (election)")]);
  });
  if (changes.length === 0) changes = [el("tr", {}, [el("td", { colspan: "3", cls: "empty", text: mine ? "none seen" : "unknown" })])];
  var changeBody = document.getElementById("changes");
  changeBody.replaceChildren.apply(changeBody, changes);
}

refresh();
</script>
</body>
</html>
`;
