// downtime exercise room: live updates over server-sent events, forms posted without reloads.
(function () {
  "use strict";
  var live = document.getElementById("live");
  var conn = document.getElementById("conn");
  var qs = location.search;
  var busy = false, again = false;

  function refresh() {
    if (!live || !live.dataset.live) return;
    if (busy) { again = true; return; }
    busy = true;
    fetch(live.dataset.live, { cache: "no-store" }).then(function (r) {
      return r.ok ? r.text() : null;
    }).then(function (html) {
      if (html === null) return;
      // Keep what a person is typing: text by its data-key, and the focus.
      var kept = {}, focus = document.activeElement && document.activeElement.dataset ? document.activeElement.dataset.key : null;
      live.querySelectorAll("[data-key]").forEach(function (e) { if (e.value && e.dataset.dirty) kept[e.dataset.key] = e.value; });
      live.innerHTML = html;
      live.querySelectorAll("[data-key]").forEach(function (e) {
        if (kept[e.dataset.key] !== undefined) { e.value = kept[e.dataset.key]; e.dataset.dirty = "1"; }
        if (focus && e.dataset.key === focus) e.focus();
      });
    }).catch(function () {}).then(function () {
      busy = false;
      if (again) { again = false; refresh(); }
    });
  }

  if (live && window.EventSource) {
    var es = new EventSource("/events" + qs);
    es.addEventListener("update", refresh);
    es.onopen = function () { if (conn) conn.hidden = true; };
    es.onerror = function () { if (conn) conn.hidden = false; };
  }

  document.addEventListener("input", function (ev) {
    if (ev.target.dataset && ev.target.dataset.key) ev.target.dataset.dirty = "1";
  });

  document.addEventListener("submit", function (ev) {
    var f = ev.target;
    if (!f.hasAttribute("data-api")) return;
    ev.preventDefault();
    if (f.dataset.confirm && !window.confirm(f.dataset.confirm)) return;
    var body = new URLSearchParams(new FormData(f));
    if (ev.submitter && ev.submitter.name) body.set(ev.submitter.name, ev.submitter.value);
    var msg = f.querySelector(".msg") || document.getElementById("msg");
    f.querySelectorAll("button").forEach(function (b) { b.disabled = true; });
    fetch(f.action, { method: "POST", body: body, headers: { "x-requested-with": "fetch" } }).then(function (r) {
      return r.text().then(function (t) { return { ok: r.ok, text: t }; });
    }).then(function (r) {
      if (msg) msg.textContent = r.ok ? "" : r.text;
      if (r.ok) {
        f.querySelectorAll("[data-key]").forEach(function (e) { delete e.dataset.dirty; if (f.hasAttribute("data-reset")) e.value = ""; });
      }
    }).catch(function () {
      if (msg) msg.textContent = "Not sent: the room's server cannot be reached. Try again.";
    }).then(function () {
      f.querySelectorAll("button").forEach(function (b) { b.disabled = false; });
      refresh();
    });
  });
})();
