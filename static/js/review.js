// Keyboard review: Space/Enter shows the answer, 1-4 answers, U undoes. No mouse needed.
(function () {
  "use strict";

  function review() { return document.querySelector("[data-review]"); }

  // Submit through htmx directly rather than clicking: a key pressed in the few milliseconds
  // before htmx has processed freshly swapped content must not fall back to a full page POST.
  function send(form, values) {
    if (!window.htmx) {
      var button = values && form.querySelector('[data-rating="' + values.rating + '"]');
      if (button) button.click(); else form.requestSubmit();
      return;
    }
    if (form.dataset.sending) return;
    form.dataset.sending = "1";
    form.querySelectorAll("button").forEach(function (b) { b.disabled = true; });
    var data = {};
    new FormData(form).forEach(function (value, key) { data[key] = value; });
    Object.assign(data, values || {});
    window.htmx.ajax("POST", form.getAttribute("action"), { source: form, target: "#review", swap: "outerHTML", values: data });
  }

  function focusCard() {
    var region = review();
    if (!region) return;
    var summary = region.querySelector("[data-answer] > summary");
    (summary || region.querySelector(".review__done a, .review__done h2") || region).focus();
  }

  document.addEventListener("keydown", function (event) {
    var region = review();
    if (!region || event.altKey || event.ctrlKey || event.metaKey) return;
    var target = event.target;
    if (target.closest && target.closest("input, textarea, select, [contenteditable]")) return;
    var answer = region.querySelector("[data-answer]");
    if (event.key === " " || event.key === "Enter") {
      if (answer && !answer.open) {
        event.preventDefault();
        answer.open = true;
        var good = answer.querySelector('[data-rating="3"]');
        if (good) good.focus();
      }
      return;
    }
    if (/^[1-4]$/.test(event.key) && answer && answer.open) {
      var button = answer.querySelector('[data-rating="' + event.key + '"]');
      if (button && !button.disabled) { event.preventDefault(); send(button.form, { rating: event.key }); }
      return;
    }
    if (event.key === "u" || event.key === "U") {
      var undo = region.querySelector("[data-undo]");
      if (undo) { event.preventDefault(); send(undo.form); }
    }
  });

  document.addEventListener("htmx:afterSwap", function (event) {
    if (event.target && event.target.id === "review") focusCard();
  });
  document.addEventListener("htmx:afterSettle", function () { if (review()) focusCard(); });
  document.addEventListener("DOMContentLoaded", focusCard);
})();
