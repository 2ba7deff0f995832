// Accord's agent console, by keyboard and by macro name. Every page works
// without it: the reply box's picker and the queue's "select all" link do
// the same without scripts.
//
// - Typing "::name" and then a space, Enter or Tab in the reply box puts
//   the macro "name", written for the case, in its place.
// - Single-key shortcuts (WCAG 2.1 SC 2.1.4): they answer only when the
//   page's body says data-shortcuts="on" (the user's own setting, kept on
//   the server) and never while typing in a field or with a modifier.
(function () {
  "use strict";

  var trigger = /(^|\s)::([a-z0-9][a-z0-9_-]{0,39})([ \n\t])$/;

  function expand(box, ev) {
    var url = box.getAttribute("data-macros");
    var before = box.value.slice(0, box.selectionStart);
    var m = trigger.exec(before);
    if (!url || !m) return;
    if (ev) ev.preventDefault();
    var start = before.length - m[2].length - 2 - m[3].length;
    fetch(url + "?name=" + encodeURIComponent(m[2]), { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.json().then(function (j) { return { ok: r.ok, j: j }; }); })
      .then(function (res) {
        var note = document.getElementById("macro-note");
        if (!res.ok) { if (note) note.textContent = res.j.error || ""; return; }
        var after = box.value.slice(start + m[2].length + 2 + m[3].length);
        box.value = box.value.slice(0, start) + res.j.body + after;
        var at = start + res.j.body.length;
        box.setSelectionRange(at, at);
        var form = box.form, id = form && form.querySelector("input[name=macro_id]");
        if (id) id.value = res.j.macro_id;
        if (note) note.textContent = res.j.note;
      });
  }

  document.addEventListener("input", function (ev) {
    var box = ev.target;
    if (box.tagName === "TEXTAREA" && box.hasAttribute("data-macros")) expand(box, null);
  });
  // Tab ends a name as a space does, instead of leaving the box.
  document.addEventListener("keydown", function (ev) {
    var box = ev.target;
    if (ev.key !== "Tab" || box.tagName !== "TEXTAREA" || !box.hasAttribute("data-macros")) return;
    var before = box.value.slice(0, box.selectionStart) + "\t";
    if (trigger.test(before)) {
      box.setRangeText("\t", box.selectionStart, box.selectionEnd, "end");
      expand(box, ev);
    }
  });

  // The queue remembers its cases in order, so that j and k on a case
  // page go to the next and previous case of the list it came from.
  function rememberQueue() {
    var links = document.querySelectorAll("#queue-table tbody a[href^='/cases/']");
    if (!links.length) return;
    var list = [];
    links.forEach(function (a) { list.push(a.getAttribute("href")); });
    try { sessionStorage.setItem("accord.queue", JSON.stringify(list)); } catch (e) { /* private mode */ }
  }

  function typing(el) {
    if (!el || !el.tagName) return false;
    var t = el.tagName;
    return t === "INPUT" || t === "TEXTAREA" || t === "SELECT" || el.isContentEditable;
  }

  function step(dir) {
    var links = Array.prototype.slice.call(document.querySelectorAll("#queue-table tbody a[href^='/cases/']"));
    if (links.length) {
      var i = links.indexOf(document.activeElement);
      var next = links[Math.max(0, Math.min(links.length - 1, i < 0 ? 0 : i + dir))];
      next.focus();
      return;
    }
    var list;
    try { list = JSON.parse(sessionStorage.getItem("accord.queue") || "[]"); } catch (e) { list = []; }
    var at = list.indexOf(location.pathname);
    if (at >= 0 && list[at + dir]) location.assign(list[at + dir]);
  }

  function replyBox(internal) {
    var box = document.querySelector("form[action$='/reply'] textarea[name=body]");
    if (!box) return;
    var note = box.form.querySelector("input[name=internal]");
    if (note) note.checked = internal;
    box.focus();
  }

  var keys = {
    j: function () { step(1); },
    k: function () { step(-1); },
    r: function () { replyBox(false); },
    n: function () { replyBox(true); },
    a: function () {
      var take = document.getElementById("take-form");
      if (take) take.requestSubmit();
    },
    "/": function () {
      var search = document.querySelector("[role=search] input[type=search]");
      if (search) search.focus(); else location.assign("/queue#search");
    },
    "?": function () {
      var help = document.getElementById("shortcuts-help");
      if (help && !help.open) help.showModal(); else location.assign("/shortcuts");
    }
  };

  document.addEventListener("keydown", function (ev) {
    if (!document.body || document.body.getAttribute("data-shortcuts") !== "on") return;
    if (ev.ctrlKey || ev.metaKey || ev.altKey || ev.defaultPrevented || typing(ev.target)) return;
    if (document.querySelector("dialog[open]") && ev.key !== "?") return;
    var fn = keys[ev.key];
    if (!fn) return;
    ev.preventDefault();
    fn();
  });

  // "Select all" of the queue's bulk form: the header box, shown only
  // where scripts run (without them, the link above the form does it).
  document.addEventListener("change", function (ev) {
    if (!ev.target.hasAttribute || !ev.target.hasAttribute("data-select-all")) return;
    document.querySelectorAll("input[name=case_id][form=bulk]").forEach(function (box) { box.checked = ev.target.checked; });
  });

  // The queue refreshes itself; not while cases are ticked for a bulk
  // action, which a refresh would untick.
  document.addEventListener("htmx:beforeRequest", function (ev) {
    var el = ev.detail && ev.detail.elt;
    if (el && el.id === "queue-table" && document.querySelector("input[name=case_id][form=bulk]:checked")) ev.preventDefault();
  });

  function ready() {
    document.querySelectorAll("[data-select-all]").forEach(function (box) { box.hidden = false; });
    rememberQueue();
    if (location.hash === "#search") {
      var search = document.querySelector("[role=search] input[type=search]");
      if (search) search.focus();
    }
  }
  document.addEventListener("DOMContentLoaded", ready);
  document.addEventListener("htmx:afterSettle", ready);
})();
