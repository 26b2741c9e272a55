// Keyboard review: Space/Enter shows the answer, 1-4 answers, U undoes. No mouse needed.
(function () {
  "use strict";

  function review() { return document.querySelector("[data-review]"); }

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
      if (button && !button.disabled) { event.preventDefault(); button.click(); }
      return;
    }
    if (event.key === "u" || event.key === "U") {
      var undo = region.querySelector("[data-undo]");
      if (undo) { event.preventDefault(); undo.click(); }
    }
  });

  document.addEventListener("htmx:afterSwap", function (event) {
    if (event.target && event.target.id === "review") focusCard();
  });
  document.addEventListener("htmx:afterSettle", function () { if (review()) focusCard(); });
  document.addEventListener("DOMContentLoaded", focusCard);
})();
