// Offline reading and offline ticks. Registers the service worker (static/js/sw.js, served at
// /sw.js), shows a banner while the browser is offline, and keeps ticks, "Mark as read" and card
// answers made offline in localStorage, sending them in order once the connection is back.
// Sending twice is harmless: the server counts a repeated tick once, a read section is read,
// and an answer carries the repetition it was given at (a second copy changes nothing).
(function () {
  "use strict";

  var QUEUE_KEY = "portal-offline-queue";
  var QUEUEABLE = /^\/(progress\/items\/\d+|progress\/sections\/\d+|flashcards\/review\/answer)\/$/;

  function owner() { return document.body ? document.body.getAttribute("data-offline-user") || "" : ""; }

  function csrfToken() {
    try { return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || ""; } catch (e) { return ""; }
  }

  function load() {
    try { return JSON.parse(localStorage.getItem(QUEUE_KEY) || "[]"); } catch (e) { return []; }
  }

  function save(queue) {
    if (queue.length) localStorage.setItem(QUEUE_KEY, JSON.stringify(queue)); else localStorage.removeItem(QUEUE_KEY);
  }

  function mine(entry) { return entry.owner === owner(); }

  function announce(text) {
    var region = document.getElementById("live-region");
    if (!region) return;
    region.textContent = "";
    setTimeout(function () { region.textContent = text; }, 50);
  }

  // The banner -----------------------------------------------------------------------------
  function updateBanner() {
    var banner = document.querySelector("[data-offline-banner]");
    if (!banner) return;
    var waiting = load().filter(mine).length;
    banner.hidden = navigator.onLine && !waiting;
    var text = banner.querySelector("[data-offline-text]");
    if (!text) return;
    if (!navigator.onLine) {
      text.textContent = "You are offline. Guides you opened still read" +
        (owner() ? "; ticks and answers are sent when you are back." : ".");
    } else {
      text.textContent = "Back online: sending what you did offline…";
    }
    var count = banner.querySelector("[data-offline-waiting]");
    if (count) count.textContent = waiting ? waiting + " waiting to be sent." : "";
  }

  // Queueing ------------------------------------------------------------------------------
  function paramsOf(config) {
    var data = new URLSearchParams();
    var source = config.formData || config.parameters;
    if (source && typeof source.forEach === "function") {
      source.forEach(function (value, key) { if (typeof value === "string") data.append(key, value); });
    }
    // The token in a kept page may be stale; the page that sends it supplies a fresh one.
    data.delete("csrfmiddlewaretoken");
    // An answer sent later would be timed from when it arrives: leave the time out.
    data.delete("shown_at");
    return data.toString();
  }

  function showQueued(elt, body) {
    var data = new URLSearchParams(body);
    var form = elt.closest ? elt.closest("form") || elt : elt;
    if (form.classList.contains("task-control")) {
      var state = data.get("state") || "done";
      form.className = form.className.replace(/task-control--\w+/, "task-control--" + state);
      var check = form.querySelector(".task-check");
      if (check) {
        check.setAttribute("aria-pressed", state === "done" ? "true" : "false");
        check.value = state === "done" ? "todo" : "done";
      }
      var menu = form.querySelector("details[open]");
      if (menu) menu.open = false;
      form.classList.add("is-queued");
    } else if (form.classList.contains("section-read")) {
      var read = data.get("read") === "1";
      form.classList.toggle("section-read--done", read);
      form.classList.toggle("section-read--todo", !read);
      var button = form.querySelector("button");
      if (button) {
        button.value = read ? "0" : "1";
        button.setAttribute("aria-pressed", read ? "true" : "false");
        button.textContent = read ? "Read ✓" : "Mark as read";
      }
      form.classList.add("is-queued");
    } else if (form.classList.contains("answers")) {
      var review = document.getElementById("review");
      if (review) {
        var card = review.querySelector(".flashcard");
        var note = document.createElement("div");
        note.className = "review__done";
        note.setAttribute("tabindex", "-1");
        note.innerHTML = "<h2>Answer kept on this device</h2><p>It is sent when you are back online. The next card needs a connection.</p>";
        if (card) card.replaceWith(note); else review.appendChild(note);
        note.focus();
      }
    }
    announce("Saved on this device; sent when you are back online.");
  }

  function queue(elt, config) {
    var entry = { owner: owner(), url: config.path, body: paramsOf(config), at: Date.now() };
    var all = load();
    all.push(entry);
    save(all);
    showQueued(elt, entry.body);
    updateBanner();
  }

  function queueable(config) {
    if (!owner() || !config || String(config.verb).toLowerCase() !== "post") return false;
    var path = new URL(config.path, location.href).pathname;
    return QUEUEABLE.test(path);
  }

  document.addEventListener("htmx:beforeRequest", function (event) {
    var config = event.detail.requestConfig;
    if (!navigator.onLine && queueable(config)) {
      event.preventDefault();
      queue(event.detail.elt, config);
    }
  });

  // Online as far as the browser knows, but the request never reached the server.
  document.addEventListener("htmx:sendError", function (event) {
    var config = event.detail.requestConfig;
    if (queueable(config)) queue(event.detail.elt, config);
  });

  // Sending -------------------------------------------------------------------------------
  var sending = false;

  function flush() {
    if (sending || !navigator.onLine || !owner()) return;
    var token = csrfToken();
    if (!token) return;
    var next = load().filter(mine)[0];
    if (!next) { updateBanner(); return; }
    sending = true;
    fetch(next.url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": token, "HX-Request": "true", "Content-Type": "application/x-www-form-urlencoded" },
      body: next.body,
    }).then(function (response) {
      var signedOut = response.redirected && /\/accounts\/login\//.test(response.url);
      // Done when the server took it, or refused it for good (the item is gone: 404, 400).
      var settled = !signedOut && (response.ok || (response.status >= 400 && response.status < 500 && response.status !== 403 && response.status !== 429));
      if (!settled) throw new Error("not sent: " + response.status);
      save(load().filter(function (entry) { return !(entry.at === next.at && entry.url === next.url && entry.owner === next.owner); }));
      sending = false;
      if (!load().filter(mine).length) announce("What you did offline has been saved.");
      flush();
    }).catch(function () {
      sending = false;
      updateBanner();
    });
  }

  // Signing out drops what this device kept for the person signing out.
  // The sign-out itself is never held back: the queue goes at once, the kept pages are deleted
  // in the background, and the sign-out response's Clear-Site-Data header clears the rest.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches || !form.matches("form[data-sign-out]")) return;
    localStorage.removeItem(QUEUE_KEY);
    if (window.caches) {
      caches.keys().then(function (names) {
        return Promise.all(names.map(function (name) { return caches.delete(name); }));
      }).catch(function () {});
    }
  });

  // The offline page lists the pages kept on this device.
  function listKeptPages() {
    var list = document.querySelector("[data-offline-pages]");
    if (!list || !window.caches) return;
    caches.open("pages").then(function (pages) {
      return pages.keys().then(function (requests) {
        return Promise.all(requests.map(function (request) {
          return pages.match(request).then(function (response) { return response.text(); }).then(function (html) {
            var title = /<title>([^<]*)<\/title>/.exec(html);
            return { url: request.url, title: title ? title[1].replace(/ · Learning Portal$/, "") : request.url };
          });
        }));
      });
    }).then(function (found) {
      list.textContent = "";
      if (!found.length) {
        var none = document.createElement("li");
        none.textContent = "None yet: open a guide while online and it is kept here.";
        list.appendChild(none);
      }
      found.forEach(function (page) {
        var item = document.createElement("li");
        var link = document.createElement("a");
        link.href = page.url;
        var decoder = document.createElement("textarea");
        decoder.innerHTML = page.title;
        link.textContent = decoder.value;
        item.appendChild(link);
        list.appendChild(item);
      });
    });
  }

  window.addEventListener("online", function () { updateBanner(); flush(); });
  window.addEventListener("offline", updateBanner);
  document.addEventListener("DOMContentLoaded", function () { updateBanner(); flush(); listKeptPages(); });
  if (document.readyState !== "loading") { updateBanner(); flush(); listKeptPages(); }

  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register("/sw.js").catch(function () {});
  }
})();
