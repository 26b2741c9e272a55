// Progressive enhancements; every page works without this file.
(function () {
  "use strict";
  var root = document.documentElement;

  function currentTheme() {
    if (root.dataset.theme === "light" || root.dataset.theme === "dark") return root.dataset.theme;
    return window.matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light";
  }

  function setupThemeToggle() {
    var toggle = document.querySelector("[data-theme-toggle]");
    if (!toggle) return;
    toggle.hidden = false;
    toggle.setAttribute("aria-pressed", String(currentTheme() === "dark"));
    toggle.addEventListener("click", function () {
      var next = currentTheme() === "dark" ? "light" : "dark";
      root.dataset.theme = next;
      toggle.setAttribute("aria-pressed", String(next === "dark"));
      try { localStorage.setItem("portal-theme", next); } catch (e) { /* ignore */ }
      document.dispatchEvent(new CustomEvent("portal:themechange"));
    });
  }

  function setupMenu() {
    var header = document.querySelector(".site-header");
    var button = document.querySelector("[data-menu-toggle]");
    if (!header || !button) return;
    function set(open) {
      button.setAttribute("aria-expanded", String(open));
      if (open) header.setAttribute("data-menu-open", ""); else header.removeAttribute("data-menu-open");
    }
    button.addEventListener("click", function () { set(button.getAttribute("aria-expanded") !== "true"); });
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && button.getAttribute("aria-expanded") === "true") { set(false); button.focus(); }
    });
    document.addEventListener("click", function (event) {
      if (button.getAttribute("aria-expanded") === "true" && !header.contains(event.target)) set(false);
    });
    window.matchMedia("(min-width: 72.01rem)").addEventListener("change", function (event) { if (event.matches) set(false); });
  }

  function setupSearchShortcut() {
    document.addEventListener("keydown", function (event) {
      if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey) return;
      var target = event.target;
      if (target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName))) return;
      var input = document.getElementById("search-page-input") || document.getElementById("site-search-input");
      if (input) { event.preventDefault(); input.focus(); input.select(); }
    });
  }

  function setupCopyButtons(scope) {
    scope.querySelectorAll(".highlight").forEach(function (block) {
      if (block.querySelector(".copy-button")) return;
      var code = block.querySelector("pre");
      if (!code) return;
      var button = document.createElement("button");
      button.type = "button";
      button.className = "copy-button";
      button.textContent = "Copy";
      button.setAttribute("aria-label", "Copy code to clipboard");
      button.addEventListener("click", function () {
        var text = code.innerText;
        var done = function () { button.textContent = "Copied"; setTimeout(function () { button.textContent = "Copy"; }, 1500); };
        if (navigator.clipboard && window.isSecureContext) {
          navigator.clipboard.writeText(text).then(done, function () { button.textContent = "Press Ctrl+C"; });
        } else {
          var range = document.createRange();
          range.selectNodeContents(code);
          var selection = window.getSelection();
          selection.removeAllRanges();
          selection.addRange(range);
          try { document.execCommand("copy"); done(); } catch (e) { button.textContent = "Press Ctrl+C"; }
        }
      });
      block.style.position = "relative";
      block.appendChild(button);
    });
  }

  function setupGlossaryPopover() {
    var popover = document.getElementById("term-popover");
    var body = document.querySelector("[data-guide-body]");
    if (!popover || !body) return;
    var title = popover.querySelector("#term-popover-title");
    var content = popover.querySelector(".term-popover__body");
    var more = popover.querySelector(".term-popover__more");
    var opener = null;

    function close() {
      if (popover.hidden) return;
      popover.hidden = true;
      if (opener) { opener.setAttribute("aria-expanded", "false"); opener.focus(); }
      opener = null;
    }

    function open(link, entry) {
      title.textContent = entry.querySelector("dt").textContent;
      content.innerHTML = "";
      // Definitions without their term (the title shows it): paragraphs, not a bare <dl>.
      var list = document.createElement("div");
      entry.querySelectorAll("dd").forEach(function (dd) {
        var paragraph = document.createElement("p");
        paragraph.className = dd.className;
        dd.childNodes.forEach(function (node) { paragraph.appendChild(node.cloneNode(true)); });
        list.appendChild(paragraph);
      });
      content.appendChild(list);
      more.href = "#" + entry.id.replace(/^def-/, "");
      var slot = popover.querySelector("[data-deck-slot]");
      var template = document.getElementById("deck-add-template");
      if (slot && template) {
        slot.innerHTML = "";
        var form = template.content.firstElementChild.cloneNode(true);
        form.querySelector('[name="term_anchor"]').value = entry.id.replace(/^def-/, "");
        slot.appendChild(form);
        if (window.htmx) window.htmx.process(form);
      }
      popover.hidden = false;
      var rect = link.getBoundingClientRect();
      var left = Math.min(window.scrollX + rect.left, window.scrollX + document.documentElement.clientWidth - popover.offsetWidth - 16);
      popover.style.left = Math.max(8, left) + "px";
      popover.style.top = window.scrollY + rect.bottom + 8 + "px";
      opener = link;
      link.setAttribute("aria-expanded", "true");
      popover.querySelector(".term-popover__close").focus();
      document.dispatchEvent(new CustomEvent("portal:term-opened", { detail: { anchor: entry.id } }));
    }

    body.addEventListener("click", function (event) {
      var link = event.target.closest('a[href^="#term-"]');
      if (!link || link.closest(".glossary-entry")) return;
      var id = link.getAttribute("href").slice(1);
      var entry = document.getElementById(id);
      if (entry && !entry.classList.contains("glossary-entry")) entry = document.getElementById("def-" + id);
      if (!entry) return;
      event.preventDefault();
      if (opener === link) { close(); return; }
      open(link, entry);
    });
    body.querySelectorAll('a[href^="#term-"]').forEach(function (link) {
      if (!link.closest(".glossary-entry")) { link.classList.add("glossary-link"); link.setAttribute("aria-haspopup", "dialog"); link.setAttribute("aria-expanded", "false"); }
    });
    popover.querySelector(".term-popover__close").addEventListener("click", close);
    more.addEventListener("click", function () { popover.hidden = true; opener = null; });
    document.addEventListener("keydown", function (event) { if (event.key === "Escape") close(); });
    document.addEventListener("click", function (event) {
      if (!popover.hidden && !popover.contains(event.target) && !event.target.closest('a[href^="#term-"]')) close();
    });
  }

  // The table of contents marks the section being read (the last heading that has passed
  // under the sticky header) and keeps that entry in view inside its own scroll box.
  function setupScrollSpy() {
    var links = Array.prototype.slice.call(document.querySelectorAll(".toc a[href^='#']"));
    if (!links.length) return;
    var headings = [];
    var seen = {};
    links.forEach(function (link) {
      var id = decodeURIComponent(link.getAttribute("href").slice(1));
      var heading = document.getElementById(id);
      if (heading && !seen[id]) { seen[id] = true; headings.push(heading); }
    });
    var box = document.querySelector(".reader__toc");
    var current = null;
    function update() {
      var offset = document.querySelector(".site-header").offsetHeight + 24;
      var active = null;
      for (var i = 0; i < headings.length; i++) {
        if (headings[i].getBoundingClientRect().top - offset <= 0) active = headings[i]; else break;
      }
      // At the very bottom the last sections may never reach the top: the last one is read.
      if (window.innerHeight + window.scrollY >= document.documentElement.scrollHeight - 2) active = headings[headings.length - 1];
      var id = active ? active.id : null;
      if (id === current) return;
      current = id;
      links.forEach(function (link) {
        var on = id !== null && decodeURIComponent(link.getAttribute("href").slice(1)) === id;
        link.classList.toggle("is-active", on);
        if (on) link.setAttribute("aria-current", "location"); else link.removeAttribute("aria-current");
        if (on && box && box.contains(link)) {
          var top = link.getBoundingClientRect().top - box.getBoundingClientRect().top + box.scrollTop;
          if (top < box.scrollTop + 24 || top > box.scrollTop + box.clientHeight - 48) {
            box.scrollTop = Math.max(0, top - box.clientHeight / 3);
          }
        }
      });
    }
    var queued = false;
    window.addEventListener("scroll", function () {
      if (queued) return;
      queued = true;
      window.requestAnimationFrame(function () { queued = false; update(); });
    }, { passive: true });
    update();
  }

  // "Back to top" floats in once the reader is a screen down; without JavaScript it is a plain
  // link at the end of the page.
  function setupBackToTop() {
    var link = document.querySelector("[data-back-to-top]");
    if (!link) return;
    link.classList.add("back-to-top--floating");
    function update() { link.classList.toggle("is-shown", window.scrollY > window.innerHeight); }
    window.addEventListener("scroll", update, { passive: true });
    update();
    // Animate only from now on: the switch from plain link to hidden float must not fade.
    window.requestAnimationFrame(function () { link.classList.add("back-to-top--animated"); });
    link.addEventListener("click", function (event) {
      event.preventDefault();
      var smooth = !window.matchMedia("(prefers-reduced-motion: reduce)").matches;
      window.scrollTo({ top: 0, behavior: smooth ? "smooth" : "auto" });
      var main = document.getElementById("main");
      if (main) main.focus({ preventScroll: true });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    setupThemeToggle();
    setupMenu();
    setupSearchShortcut();
    setupCopyButtons(document);
    setupGlossaryPopover();
    setupScrollSpy();
    setupBackToTop();
  });
  document.addEventListener("htmx:afterSwap", function (event) { setupCopyButtons(event.target); });

  // After an htmx swap the control the user pressed is gone, and focus would fall back to
  // <body>. Put it on the same control in the new markup (or, after a choice in a menu, on the
  // menu's main control), and announce what changed in the polite live region.
  var FOCUSABLE = "button:not([disabled]), a[href], input:not([type=hidden]):not([disabled]), select, textarea, summary";
  var pending = null;

  function announce(text) {
    var region = document.getElementById("live-region");
    if (!region || !text) return;
    region.textContent = "";
    // A fresh text node after a tick is what makes screen readers read a repeated message.
    setTimeout(function () { region.textContent = text; }, 50);
  }

  function focusables(scope) {
    return Array.prototype.filter.call(scope.querySelectorAll(FOCUSABLE), function (el) {
      var closed = el.closest("details:not([open])");
      return !closed || (el.tagName === "SUMMARY" && el.parentNode === closed);
    });
  }

  document.addEventListener("htmx:beforeSwap", function (event) {
    var target = event.detail.target;
    var used = document.activeElement;
    pending = null;
    if (!target || !target.parentNode) return;
    var swap = (event.detail.requestConfig && event.detail.requestConfig.elt && event.detail.requestConfig.elt.getAttribute("hx-swap")) || "";
    var holdsFocus = used && used !== document.body && target.contains(used);
    pending = {
      parent: target.parentNode,
      index: Array.prototype.indexOf.call(target.parentNode.children, target),
      outer: /outerHTML/.test(swap) || !document.contains(target),
      target: target,
      position: holdsFocus ? focusables(target).indexOf(used) : -1,
      fromMenu: holdsFocus && !!used.closest(".task-menu"),
      holdsFocus: holdsFocus,
    };
  });

  document.addEventListener("htmx:afterSettle", function () {
    var state = pending;
    pending = null;
    if (!state) return;
    var fresh = document.contains(state.target) ? state.target : state.parent.children[state.index];
    if (!fresh) return;
    var message = fresh.matches("[data-announce]") ? fresh : fresh.querySelector("[data-announce]");
    if (message) announce(message.getAttribute("data-announce"));
    updateGuideStatus();
    if (!state.holdsFocus) return;
    // Another script (the review page) may already have placed focus on purpose.
    if (document.activeElement && document.activeElement !== document.body && document.contains(document.activeElement)) return;
    var candidates = focusables(fresh);
    var next = state.fromMenu ? fresh.querySelector(".task-check") : candidates[state.position];
    next = next || candidates[0];
    if (!next) { fresh.setAttribute("tabindex", "-1"); next = fresh; }
    next.focus();
  });

  // The "N of M sections read" pill follows the section controls without a reload.
  function updateGuideStatus() {
    var status = document.querySelector("[data-guide-status]");
    var body = document.querySelector("[data-guide-body]");
    if (!status || !body) return;
    var sections = body.querySelectorAll(".section-read").length;
    var read = body.querySelectorAll(".section-read--done").length;
    var items = body.querySelectorAll(".task-control").length;
    var finished = body.querySelectorAll(".task-control--done, .task-control--skipped").length;
    var pill = status.querySelector(".pill");
    if (!pill) return;
    if (read === sections && finished === items) {
      pill.className = "pill pill--done";
      pill.textContent = "Complete";
    } else {
      pill.className = "pill";
      pill.textContent = read + " of " + sections + " sections read";
    }
  }
})();
