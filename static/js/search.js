/* The header's as-you-type results: a combobox whose listbox htmx fills.
   Arrow keys move through the options, Enter opens the chosen one (or, with none chosen,
   submits the form to the full results page), Esc closes the list. Without JavaScript the
   form is a plain GET to /search/. */
(function () {
  "use strict";

  function parts() {
    var input = document.getElementById("site-search-input");
    var box = document.getElementById("site-search-results");
    return { input: input, box: box, options: box ? Array.prototype.slice.call(box.querySelectorAll('[role="option"]')) : [] };
  }

  function setActive(p, index) {
    p.options.forEach(function (option, i) {
      var on = i === index;
      option.setAttribute("aria-selected", on ? "true" : "false");
      option.classList.toggle("is-active", on);
      if (on) option.scrollIntoView({ block: "nearest" });
    });
    if (index >= 0 && p.options[index]) p.input.setAttribute("aria-activedescendant", p.options[index].id);
    else p.input.removeAttribute("aria-activedescendant");
  }

  function activeIndex(p) {
    for (var i = 0; i < p.options.length; i++) {
      if (p.options[i].getAttribute("aria-selected") === "true") return i;
    }
    return -1;
  }

  function open(p, show) {
    if (!p.box) return;
    var visible = show && p.box.childElementCount > 0 && p.input.value.trim() !== "";
    p.box.hidden = !visible;
    p.input.setAttribute("aria-expanded", visible && p.options.length ? "true" : "false");
    if (!visible) setActive(p, -1);
  }

  document.addEventListener("htmx:afterSwap", function (event) {
    if (!event.target || event.target.id !== "site-search-results") return;
    var p = parts();
    open(p, document.activeElement === p.input);
  });

  document.addEventListener("keydown", function (event) {
    var p = parts();
    if (!p.input || event.target !== p.input) return;
    var index = activeIndex(p);
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      if (!p.options.length) return;
      event.preventDefault();
      open(p, true);
      var step = event.key === "ArrowDown" ? 1 : -1;
      var next = index + step;
      if (next >= p.options.length) next = 0;
      if (next < -1 || (next === -1 && step < 0 && index === -1)) next = p.options.length - 1;
      setActive(p, next);
    } else if (event.key === "Enter" && index >= 0 && !p.box.hidden) {
      var link = p.options[index].querySelector("a");
      if (link) {
        event.preventDefault();
        window.location.assign(link.href);
      }
    } else if (event.key === "Escape") {
      if (!p.box.hidden) {
        event.preventDefault();
        open(p, false);
      }
    }
  });

  document.addEventListener("focusin", function (event) {
    var p = parts();
    if (!p.input) return;
    var inside = p.input.form && p.input.form.contains(event.target);
    if (!inside) open(p, false);
    else if (event.target === p.input) open(p, true);
  });

  document.addEventListener("click", function (event) {
    var p = parts();
    if (p.input && p.input.form && !p.input.form.contains(event.target)) open(p, false);
  });
})();
