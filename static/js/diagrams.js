// Mermaid diagrams, drawn as they come near the viewport, one per idle slice.
//
// The Mermaid bundle is 3.5 MB and drawing a diagram is a long synchronous layout, so a guide with
// thirty diagrams used to freeze for seconds before the reader could scroll. Here the bundle is
// only fetched when the first diagram is about to be seen, each diagram is drawn in its own task
// when the browser is idle, and a diagram's space is reserved from its source so the page does
// not jump. A diagram Mermaid cannot parse shows its source and the error instead (no bomb icon),
// and the diagrams after it still draw. Without JavaScript the source stays readable as text.
(function () {
  "use strict";
  var script = document.currentScript;
  var nodes = Array.prototype.slice.call(document.querySelectorAll("pre.mermaid"));
  if (!nodes.length || !script) return;
  var bundle = script.dataset.mermaidSrc;
  var root = document.documentElement;
  var sources = new Map();
  var queue = [];
  var drawing = false;
  var loading = null;
  var counter = 0;
  var idle = window.requestIdleCallback || function (callback) {
    return window.setTimeout(callback, 16);
  };

  function theme() {
    if (root.dataset.theme === "light" || root.dataset.theme === "dark") return root.dataset.theme;
    return window.matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light";
  }

  function configure(mermaid) {
    mermaid.initialize({
      startOnLoad: false,
      securityLevel: "strict",
      suppressErrorRendering: true,
      theme: theme() === "dark" ? "dark" : "default",
      fontFamily: "system-ui, sans-serif",
    });
    return mermaid;
  }

  function load() {
    // Mermaid's ES module build: the core first, then each diagram type's code when a diagram
    // of that type is drawn, instead of one 3.5 MB script evaluated in a single task.
    if (!loading) loading = import(bundle).then(function (module) { return configure(module.default); });
    return loading;
  }

  function reserve(node, source) {
    // A rough height from the source (a line of Mermaid is about one row of boxes) keeps the
    // text below from jumping when the drawing arrives; the browser's scroll anchoring handles
    // diagrams drawn above the reader.
    var lines = source.split("\n").filter(function (line) { return line.trim(); }).length;
    node.style.minHeight = Math.min(640, Math.max(160, lines * 28)) + "px";
    // A placeholder, not a region to scroll through (the source is readable once drawn or
    // when drawing fails, and without JavaScript this class is never set).
    node.classList.add("mermaid--pending");
  }

  function showFailure(node, source, error) {
    var message = String((error && (error.message || error.str)) || error || "unknown error");
    // Keep the line and the caret; the parser's list of every token it expected is noise.
    message = message.replace(/^Expecting .*, got (.*)$/m, "Unexpected $1");
    var note = document.createElement("div");
    note.className = "mermaid-error";
    note.setAttribute("role", "note");
    var lead = document.createElement("p");
    lead.textContent = "This diagram could not be drawn; its source is shown below. Mermaid says:";
    var detail = document.createElement("pre");
    detail.className = "mermaid-error__message";
    detail.textContent = message;
    note.appendChild(lead);
    note.appendChild(detail);
    var code = document.createElement("code");
    code.textContent = source;
    node.className = "mermaid-source";  // also drops mermaid--pending
    node.style.minHeight = "";
    node.dataset.diagramError = "true";
    node.textContent = "";
    node.appendChild(code);
    node.parentNode.insertBefore(note, node);
  }

  function draw(mermaid, node) {
    var source = sources.get(node);
    counter += 1;
    return mermaid.parse(source)
      .then(function () { return mermaid.render("mermaid-svg-" + counter, source); })
      .then(function (result) {
        // Mermaid's own output under securityLevel "strict" (DOMPurify-sanitised SVG).
        node.innerHTML = result.svg;
        if (result.bindFunctions) result.bindFunctions(node);
        node.setAttribute("data-processed", "true");
        node.style.minHeight = "";
        node.classList.remove("mermaid--pending");
        node.dispatchEvent(new CustomEvent("portal:diagram-drawn", { bubbles: true }));
      })
      .catch(function (error) { showFailure(node, source, error); });
  }

  function pump() {
    if (drawing || !queue.length) return;
    drawing = true;
    load().then(function (mermaid) {
      idle(function () {
        var node = queue.shift();
        draw(mermaid, node).then(function () {
          drawing = false;
          if (!queue.length && !pending()) root.dataset.mermaid = "drawn";
          pump();
        });
      }, { timeout: 400 });
    }, function () { drawing = false; });
  }

  function pending() {
    return nodes.some(function (node) { return !node.dataset.processed && !node.dataset.diagramError; });
  }

  function enqueue(node) {
    if (queue.indexOf(node) === -1) queue.push(node);
    pump();
  }

  nodes.forEach(function (node) {
    var source = node.textContent;
    sources.set(node, source);
    reserve(node, source);
  });

  var observer = "IntersectionObserver" in window ? new IntersectionObserver(function (entries) {
    entries.forEach(function (entry) {
      if (!entry.isIntersecting) return;
      observer.unobserve(entry.target);
      enqueue(entry.target);
    });
  }, { rootMargin: "800px 0px" }) : null;
  nodes.forEach(function (node) { if (observer) observer.observe(node); else enqueue(node); });

  // The theme toggle (portal.js) asks for the drawn diagrams again in the other palette.
  document.addEventListener("portal:themechange", function () {
    if (!loading) return;
    loading.then(function (mermaid) {
      configure(mermaid);
      nodes.forEach(function (node) {
        if (!node.dataset.processed) return;
        node.removeAttribute("data-processed");
        node.textContent = sources.get(node);
        node.classList.add("mermaid--pending");
        enqueue(node);
      });
    });
  });

  // Printing or "find in page" needs every diagram: draw the rest when the reader asks to print.
  window.addEventListener("beforeprint", function () { nodes.forEach(function (node) {
    if (!node.dataset.processed && !node.dataset.diagramError) enqueue(node);
  }); });
})();
