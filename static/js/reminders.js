// Reminder preferences: suggest the browser's time zone. The form works without this file.
(function () {
  "use strict";

  function detectedZone() {
    try { return Intl.DateTimeFormat().resolvedOptions().timeZone || ""; } catch (e) { return ""; }
  }

  function setup(scope) {
    var input = scope.querySelector("[data-timezone-input]");
    var hint = scope.querySelector("[data-timezone-hint]");
    if (!input || !hint) return;
    var zone = detectedZone();
    if (!zone) return;
    // A first visit gets the browser's zone filled in; after that it is only suggested.
    if (input.hasAttribute("data-timezone-fresh") && (input.value === "" || input.value === "UTC")) {
      input.value = zone;
    }
    var button = hint.querySelector("[data-timezone-use]");
    hint.querySelector("[data-timezone-detected]").textContent = zone;
    function refresh() { hint.hidden = input.value === zone; }
    button.addEventListener("click", function () { input.value = zone; refresh(); input.focus(); });
    input.addEventListener("input", refresh);
    refresh();
  }

  document.addEventListener("DOMContentLoaded", function () { setup(document); });
  document.addEventListener("htmx:afterSwap", function (event) {
    setup(event.target.parentNode || document);
    // After a failed save, take keyboard and screen-reader users to the first field to fix.
    var invalid = document.querySelector("#reminders-panel [aria-invalid='true'], #reminders-panel .has-error input");
    if (invalid) invalid.focus();
  });
})();
