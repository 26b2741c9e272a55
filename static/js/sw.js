// The service worker, served at /sw.js by apps/core/offline.py, which puts CONFIG (version,
// app-shell URLs, offline page) in front of this file. It keeps:
// - the app shell (CSS, scripts, icons, the offline page), fetched on install;
// - every other /static/ file the first time a page uses it (hashed names never go stale);
// - the guide pages (and the library and glossary) a learner opened, network first, so an
//   opened guide reads offline. They belong to one person: when the page says another person
//   (or nobody) is signed in, the kept pages are dropped first. Signing out clears everything
//   (Clear-Site-Data and offline.js).
// POSTs are never touched here: offline.js queues ticks and answers in the page.
/* global CONFIG */
"use strict";

var SHELL = "shell-" + CONFIG.version;
var STATIC = "static-" + CONFIG.version;
var PAGES = "pages";
var META = "meta";
var OWNER = "/__offline_owner__";
var KEPT_PAGES = /^\/($|guides\/|glossary\/)/;
// ManifestStaticFilesStorage's names: portal.3f2a9c1b7e4d.css
var HASHED = /\.[0-9a-f]{12}\.[^/]+$/;

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(SHELL).then(function (cache) { return cache.addAll(CONFIG.shell); }).then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  var keep = [SHELL, STATIC, PAGES, META];
  event.waitUntil(
    caches.keys().then(function (names) {
      return Promise.all(names.filter(function (name) { return keep.indexOf(name) < 0; }).map(function (name) { return caches.delete(name); }));
    }).then(function () { return self.clients.claim(); })
  );
});

self.addEventListener("message", function (event) {
  if (event.data && event.data.type === "forget") {
    event.waitUntil(Promise.all([caches.delete(PAGES), caches.delete(META)]));
  }
});

function pageKey(url) {
  // One copy per page whatever its query string or fragment.
  return url.origin + url.pathname;
}

function keepPage(url, response) {
  return response.clone().text().then(function (html) {
    var match = /data-offline-user="(\d*)"/.exec(html);
    if (!match) return;  // not one of our pages (an error page, a raw file)
    var owner = match[1];
    return caches.open(META).then(function (meta) {
      return meta.match(OWNER).then(function (stored) { return stored ? stored.text() : null; }).then(function (previous) {
        var ready = Promise.resolve();
        if (previous !== owner) {
          ready = caches.delete(PAGES).then(function () { return meta.put(OWNER, new Response(owner)); });
        }
        return ready.then(function () { return caches.open(PAGES); }).then(function (pages) { return pages.put(pageKey(url), response); });
      });
    });
  });
}

function offlinePage() {
  return caches.match(CONFIG.offline, { cacheName: SHELL }).then(function (page) {
    return page || new Response("You are offline.", { status: 503, headers: { "Content-Type": "text/plain" } });
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") return;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) return;

  if (url.pathname.indexOf(CONFIG.static) === 0) {
    var store = function (response) {
      if (response.ok) {
        var copy = response.clone();
        event.waitUntil(caches.open(STATIC).then(function (cache) { return cache.put(request, copy); }));
      }
      return response;
    };
    var kept = function () { return caches.match(request, { ignoreVary: true }); };
    if (HASHED.test(url.pathname)) {
      // A hashed name never changes content: the kept copy is the file.
      event.respondWith(kept().then(function (hit) { return hit || fetch(request).then(store); }));
    } else {
      // Unhashed (development, tests): the network first, the kept copy offline.
      event.respondWith(fetch(request).then(store).catch(function () {
        return kept().then(function (hit) { return hit || Response.error(); });
      }));
    }
    return;
  }

  if (request.mode !== "navigate") return;  // htmx fragments and the rest: network only
  var keepable = KEPT_PAGES.test(url.pathname);
  // Sign-in, the OpenID Connect round trip, the admin and the rest go straight to the network,
  // untouched: a navigation answered through the worker changes how redirects and cookies of
  // those flows behave.
  if (!keepable) return;
  event.respondWith(
    fetch(request).then(function (response) {
      var html = (response.headers.get("Content-Type") || "").indexOf("text/html") === 0;
      if (keepable && response.ok && !response.redirected && html) {
        event.waitUntil(keepPage(url, response.clone()));
      }
      return response;
    }).catch(function () {
      var kept = keepable
        ? caches.open(PAGES).then(function (pages) { return pages.match(pageKey(url), { ignoreVary: true }); })
        : Promise.resolve(undefined);
      return kept.then(function (page) { return page || offlinePage(); });
    })
  );
});
