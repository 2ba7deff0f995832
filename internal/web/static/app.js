// Accord's own script: live countdowns to due instants, and files dropped
// on the reply box. Every page works without it; it only keeps the
// remaining time current between loads and saves a trip to the file picker.
(function () {
  "use strict";

  function format(ms, units) {
    var sign = ms < 0 ? "−" : "";
    var m = Math.round(Math.abs(ms) / 60000);
    var d = Math.floor(m / 1440), h = Math.floor((m % 1440) / 60), min = m % 60;
    if (d > 0) return sign + d + " " + units[0] + " " + h + " " + units[1];
    if (h > 0) return sign + h + " " + units[1] + " " + (min < 10 ? "0" : "") + min + " " + units[2];
    return sign + min + " " + units[2];
  }

  // An element with data-due (RFC 3339) shows the time left; data-warn is
  // when it turns to a warning, and past data-due it shows as breached.
  function tick() {
    var now = Date.now();
    document.querySelectorAll("[data-due]").forEach(function (el) {
      var due = Date.parse(el.getAttribute("data-due"));
      if (isNaN(due)) return;
      var warn = Date.parse(el.getAttribute("data-warn") || "");
      var units = (el.getAttribute("data-units") || "d|h|min").split("|");
      var label = el.querySelector(".left") || el;
      label.textContent = format(due - now, units);
      var breached = now >= due, warning = !breached && !isNaN(warn) && now >= warn;
      el.classList.toggle("breached", breached);
      el.classList.toggle("warning", warning);
      var row = el.closest("tr");
      if (row) {
        row.classList.toggle("breached", breached);
        row.classList.toggle("warning", warning);
      }
    });
  }

  // Forms marked data-confirm ask before they are sent.
  document.addEventListener("submit", function (ev) {
    var msg = ev.target.getAttribute && ev.target.getAttribute("data-confirm");
    if (msg && !window.confirm(msg)) ev.preventDefault();
  }, true);

  // After htmx swaps in a new page, move focus to it for screen readers.
  document.addEventListener("htmx:afterSettle", function () {
    var main = document.getElementById("main");
    if (main && document.activeElement === document.body) main.focus({ preventScroll: true });
    tick();
  });

  // Files dropped on a form marked data-drop-files join those of its file
  // input (the attribute names the input's id), which still sends them as
  // a plain multipart form; the form works the same without this.
  function dropTarget(ev) {
    var form = ev.target.closest && ev.target.closest("form[data-drop-files]");
    if (!form || !ev.dataTransfer || Array.prototype.indexOf.call(ev.dataTransfer.types || [], "Files") < 0) return null;
    return form;
  }
  function listFiles(input) {
    var out = input.parentNode.querySelector(".dropped");
    if (!out) return;
    var names = Array.prototype.map.call(input.files, function (f) { return f.name; });
    out.textContent = (out.getAttribute("data-label") || "") + " " + names.join(", ");
    out.hidden = names.length === 0;
  }
  document.addEventListener("dragover", function (ev) {
    var form = dropTarget(ev);
    if (!form) return;
    ev.preventDefault();
    form.classList.add("dropping");
  });
  document.addEventListener("dragleave", function (ev) {
    var form = dropTarget(ev);
    if (form && !form.contains(ev.relatedTarget)) form.classList.remove("dropping");
  });
  document.addEventListener("drop", function (ev) {
    var form = dropTarget(ev);
    if (!form) return;
    ev.preventDefault();
    form.classList.remove("dropping");
    var input = document.getElementById(form.getAttribute("data-drop-files"));
    if (!input || typeof DataTransfer === "undefined") return;
    var all = new DataTransfer();
    Array.prototype.forEach.call(input.files, function (f) { all.items.add(f); });
    Array.prototype.forEach.call(ev.dataTransfer.files, function (f) { all.items.add(f); });
    input.files = all.files;
    listFiles(input);
  });
  document.addEventListener("change", function (ev) {
    if (ev.target.matches && ev.target.matches("input[type=file][multiple]")) listFiles(ev.target);
  });

  document.addEventListener("DOMContentLoaded", tick);
  setInterval(tick, 15000);
})();
