// Full-screen diagram viewer: open a rendered diagram by clicking it, pressing Enter on it or its
// "Expand" button; zoom and pan with the mouse (wheel, drag), touch (pinch, drag) or keys
// (+ - 0 and the arrows); show the Mermaid source; download the SVG. Esc closes.
// Kept apart from diagrams.js, which draws the diagrams as they come near; this file only reads
// what it drew.
(function () {
  "use strict";

  var MIN = 0.05;
  var MAX = 8;
  var STEP = 1.25;
  var PAN = 60;

  // Deferred scripts run before DOMContentLoaded, when portal.js starts Mermaid: the text of
  // each block is still its source here.
  var blocks = Array.prototype.slice.call(document.querySelectorAll("pre.mermaid"));
  blocks.forEach(function (pre) { if (!pre.dataset.source) pre.dataset.source = pre.textContent.trim(); });

  var viewer = null;
  var state = { scale: 1, x: 0, y: 0, width: 0, height: 0, opener: null, svg: null };

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) { node.setAttribute(key, attrs[key]); });
    if (text) node.textContent = text;
    return node;
  }

  function build() {
    var dialog = el("dialog", { class: "diagram-viewer", "aria-labelledby": "diagram-viewer-title" });
    var bar = el("div", { class: "diagram-viewer__bar" });
    bar.appendChild(el("h2", { id: "diagram-viewer-title", class: "diagram-viewer__title" }, "Diagram"));
    var tools = el("div", { class: "diagram-viewer__tools", role: "toolbar", "aria-label": "Diagram tools" });
    [["zoom-out", "Zoom out", "−"], ["zoom-in", "Zoom in", "+"], ["fit", "Fit to screen", "Fit"]].forEach(function (spec) {
      var button = el("button", { type: "button", class: "button button--ghost button--small", "data-action": spec[0], "aria-label": spec[1], title: spec[1] }, spec[2]);
      tools.appendChild(button);
    });
    tools.appendChild(el("output", { class: "diagram-viewer__zoom", "aria-live": "polite", "aria-label": "Zoom level" }, "100%"));
    tools.appendChild(el("button", { type: "button", class: "button button--ghost button--small", "data-action": "source", "aria-expanded": "false", "aria-controls": "diagram-viewer-source" }, "View source"));
    tools.appendChild(el("a", { class: "button button--ghost button--small", "data-action": "download", href: "#", download: "diagram.svg" }, "Download SVG"));
    tools.appendChild(el("button", { type: "button", class: "button button--small", "data-action": "close" }, "Close"));
    bar.appendChild(tools);
    dialog.appendChild(bar);
    var body = el("div", { class: "diagram-viewer__body" });
    var stage = el("div", {
      class: "diagram-viewer__stage",
      tabindex: "0",
      role: "application",
      "aria-roledescription": "zoomable diagram",
      "aria-label": "Diagram. Plus and minus zoom, arrow keys pan, 0 fits it to the screen.",
    });
    body.appendChild(stage);
    var source = el("pre", { class: "diagram-viewer__source", id: "diagram-viewer-source", tabindex: "0", hidden: "" });
    body.appendChild(source);
    dialog.appendChild(body);
    document.body.appendChild(dialog);

    tools.addEventListener("click", function (event) {
      var button = event.target.closest("[data-action]");
      if (!button) return;
      var action = button.getAttribute("data-action");
      var rect = stage.getBoundingClientRect();
      if (action === "zoom-in") zoomAt(STEP, rect.width / 2, rect.height / 2);
      else if (action === "zoom-out") zoomAt(1 / STEP, rect.width / 2, rect.height / 2);
      else if (action === "fit") fit();
      else if (action === "close") dialog.close();
      else if (action === "source") {
        var open = source.hidden;
        source.hidden = !open;
        button.setAttribute("aria-expanded", String(open));
        button.textContent = open ? "Hide source" : "View source";
      }
    });
    dialog.addEventListener("close", function () {
      var link = dialog.querySelector("[data-action=download]");
      if (link.href.indexOf("blob:") === 0) URL.revokeObjectURL(link.href);
      stage.innerHTML = "";
      document.documentElement.classList.remove("has-viewer");
      if (state.opener && document.contains(state.opener)) state.opener.focus();
    });
    // A click on the backdrop area outside the bar and stage does nothing: the stage fills it.

    stage.addEventListener("keydown", function (event) {
      var rect = stage.getBoundingClientRect();
      var handled = true;
      if (event.key === "+" || event.key === "=") zoomAt(STEP, rect.width / 2, rect.height / 2);
      else if (event.key === "-" || event.key === "_") zoomAt(1 / STEP, rect.width / 2, rect.height / 2);
      else if (event.key === "0") fit();
      else if (event.key === "ArrowLeft") move(PAN, 0);
      else if (event.key === "ArrowRight") move(-PAN, 0);
      else if (event.key === "ArrowUp") move(0, PAN);
      else if (event.key === "ArrowDown") move(0, -PAN);
      else handled = false;
      if (handled) event.preventDefault();
    });

    stage.addEventListener("wheel", function (event) {
      event.preventDefault();
      var rect = stage.getBoundingClientRect();
      zoomAt(Math.exp(-event.deltaY * 0.0015), event.clientX - rect.left, event.clientY - rect.top);
    }, { passive: false });

    var pointers = new Map();
    var pinch = null;
    stage.addEventListener("pointerdown", function (event) {
      stage.setPointerCapture(event.pointerId);
      pointers.set(event.pointerId, { x: event.clientX, y: event.clientY });
      if (pointers.size === 2) pinch = pinchInfo();
    });
    stage.addEventListener("pointermove", function (event) {
      var last = pointers.get(event.pointerId);
      if (!last) return;
      var now = { x: event.clientX, y: event.clientY };
      pointers.set(event.pointerId, now);
      if (pointers.size === 1) {
        move(now.x - last.x, now.y - last.y);
      } else if (pointers.size === 2 && pinch) {
        var next = pinchInfo();
        var rect = stage.getBoundingClientRect();
        move(next.x - pinch.x, next.y - pinch.y);
        zoomAt(next.distance / pinch.distance, next.x - rect.left, next.y - rect.top);
        pinch = next;
      }
    });
    function lift(event) {
      pointers.delete(event.pointerId);
      pinch = pointers.size === 2 ? pinchInfo() : null;
    }
    stage.addEventListener("pointerup", lift);
    stage.addEventListener("pointercancel", lift);
    function pinchInfo() {
      var points = Array.from(pointers.values());
      return {
        x: (points[0].x + points[1].x) / 2,
        y: (points[0].y + points[1].y) / 2,
        distance: Math.max(1, Math.hypot(points[0].x - points[1].x, points[0].y - points[1].y)),
      };
    }
    return dialog;
  }

  function apply() {
    if (state.svg) state.svg.style.transform = "translate(" + state.x + "px, " + state.y + "px) scale(" + state.scale + ")";
    viewer.querySelector(".diagram-viewer__zoom").textContent = Math.round(state.scale * 100) + "%";
    viewer.querySelector(".diagram-viewer__stage").dataset.scale = state.scale.toFixed(3);
  }

  function move(dx, dy) { state.x += dx; state.y += dy; apply(); }

  function zoomAt(factor, px, py) {
    var scale = Math.min(MAX, Math.max(MIN, state.scale * factor));
    var ratio = scale / state.scale;
    state.x = px - (px - state.x) * ratio;
    state.y = py - (py - state.y) * ratio;
    state.scale = scale;
    apply();
  }

  function fit() {
    var stage = viewer.querySelector(".diagram-viewer__stage");
    var width = stage.clientWidth;
    var height = stage.clientHeight;
    if (!state.width || !state.height || !width || !height) return;
    state.scale = Math.min(MAX, Math.min(width / state.width, height / state.height) * 0.95);
    state.x = (width - state.width * state.scale) / 2;
    state.y = (height - state.height * state.scale) / 2;
    apply();
  }

  function naturalSize(svg) {
    var box = svg.viewBox && svg.viewBox.baseVal;
    if (box && box.width && box.height) return { width: box.width, height: box.height };
    var rect = svg.getBoundingClientRect();
    return { width: rect.width || 800, height: rect.height || 600 };
  }

  function open(pre, number) {
    viewer = viewer || build();
    var stage = viewer.querySelector(".diagram-viewer__stage");
    var source = viewer.querySelector(".diagram-viewer__source");
    var toggle = viewer.querySelector("[data-action=source]");
    var link = viewer.querySelector("[data-action=download]");
    var drawn = pre.querySelector("svg");
    var label = pre.getAttribute("aria-label") || "Diagram " + number;
    viewer.querySelector("#diagram-viewer-title").textContent = label;
    source.textContent = pre.dataset.source || "";
    stage.innerHTML = "";
    state.opener = document.activeElement;
    state.svg = null;
    if (drawn) {
      var svg = drawn.cloneNode(true);
      var size = naturalSize(drawn);
      state.width = size.width;
      state.height = size.height;
      svg.removeAttribute("style");
      svg.setAttribute("width", String(size.width));
      svg.setAttribute("height", String(size.height));
      svg.setAttribute("xmlns", "http://www.w3.org/2000/svg");
      svg.classList.add("diagram-viewer__svg");
      stage.appendChild(svg);
      state.svg = svg;
      var blob = new Blob(['<?xml version="1.0" encoding="UTF-8"?>\n' + new XMLSerializer().serializeToString(svg)], { type: "image/svg+xml" });
      link.href = URL.createObjectURL(blob);
      link.setAttribute("download", "diagram-" + number + ".svg");
      link.hidden = false;
      source.hidden = true;
      toggle.hidden = false;
    } else {
      // Not drawn (a parse error): the source is all there is to show.
      link.hidden = true;
      source.hidden = false;
    }
    toggle.setAttribute("aria-expanded", String(!source.hidden));
    toggle.textContent = source.hidden ? "View source" : "Hide source";
    document.documentElement.classList.add("has-viewer");
    viewer.showModal();
    state.scale = 1; state.x = 0; state.y = 0;
    fit();
    stage.focus();
  }

  function enhance() {
    blocks.forEach(function (pre, index) {
      if (pre.closest(".diagram")) return;
      var number = index + 1;
      var wrapper = el("div", { class: "diagram" });
      pre.parentNode.insertBefore(wrapper, pre);
      wrapper.appendChild(pre);
      var button = el("button", { type: "button", class: "diagram__expand", "aria-label": "Expand diagram " + number });
      button.appendChild(el("span", { "aria-hidden": "true" }, "⤢ "));
      button.appendChild(document.createTextNode("Expand"));
      wrapper.appendChild(button);
      button.addEventListener("click", function () { open(pre, number); });
      pre.addEventListener("click", function () { if (pre.querySelector("svg")) open(pre, number); });
    });
  }

  document.addEventListener("DOMContentLoaded", enhance);
})();
