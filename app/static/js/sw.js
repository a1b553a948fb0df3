// Stepcare's service worker, served at /sw.js (scope: the whole site).
//
// It keeps ONLY the app shell: files under /static/ and the offline page. It never keeps a
// page or any other response, because those may show patient data (security requirement
// 15), and never a response marked Cache-Control: no-store, whatever its URL. A page that
// cannot be loaded offline shows the offline page instead. Logout's Clear-Site-Data empties
// these caches; so does a new version of this file (old caches are dropped on activate).
// It also shows push reminders, which carry only a generic text and a URL in this site.

const VERSION = "stepcare-shell-v1";
const OFFLINE_URL = "/offline";
const SHELL = [
  OFFLINE_URL,
  "/static/css/stepcare.css",
  "/static/css/header.css",
  "/static/js/menu.js",
  "/static/js/keep-on-language.js",
  "/static/js/register-sw.js",
  "/static/img/favicon.svg",
  "/static/img/icons/icon-192.png",
  "/static/img/icons/icon-512.png",
];

function isShell(url) {
  return url.origin === self.location.origin
    && (url.pathname.startsWith("/static/") || url.pathname === OFFLINE_URL);
}

function storable(response) {
  const cacheControl = (response.headers.get("Cache-Control") || "").toLowerCase();
  return response.ok && response.type === "basic" && !cacheControl.includes("no-store");
}

// Shell files need no cookie: fetched without one, nothing personal can come back.
function fetchShell(url) {
  return fetch(url, { credentials: "omit", cache: "no-cache" });
}

async function keep(cache, url, response) {
  if (isShell(new URL(url, self.location.origin)) && storable(response)) {
    await cache.put(url, response.clone());
  }
  return response;
}

self.addEventListener("install", (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(VERSION);
    await Promise.all(SHELL.map(async (url) => keep(cache, url, await fetchShell(url))));
    await self.skipWaiting();
  })());
});

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    const names = await caches.keys();
    await Promise.all(names.filter((name) => name !== VERSION).map((name) => caches.delete(name)));
    await self.clients.claim();
  })());
});

async function fromShell(request) {
  const cache = await caches.open(VERSION);
  const kept = await cache.match(request, { ignoreSearch: false });
  if (kept) {
    return kept;
  }
  const response = await fetchShell(request.url);
  return keep(cache, request.url, response);
}

async function navigate(request) {
  try {
    return await fetch(request);
  } catch (error) {
    const cache = await caches.open(VERSION);
    const offline = await cache.match(OFFLINE_URL);
    return offline || Response.error();
  }
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") {
    return; // the browser's own handling
  }
  const url = new URL(request.url);
  if (url.origin === self.location.origin && url.pathname.startsWith("/static/")) {
    event.respondWith(fromShell(request));
  } else if (request.mode === "navigate") {
    event.respondWith(navigate(request));
  }
  // Anything else (JSON, fragments) goes to the network untouched and is never kept.
});

// --- push reminders ----------------------------------------------------------------------

const FALLBACK = { title: "Stepcare", body: "", url: "/" };

function sameSite(target) {
  const url = new URL(target || "/", self.location.origin);
  return url.origin === self.location.origin ? url.href : self.location.origin + "/";
}

self.addEventListener("push", (event) => {
  let data = FALLBACK;
  try {
    data = { ...FALLBACK, ...(event.data ? event.data.json() : {}) };
  } catch (error) {
    data = FALLBACK;
  }
  event.waitUntil(self.registration.showNotification(data.title, {
    body: data.body,
    icon: "/static/img/icons/icon-192.png",
    badge: "/static/img/icons/icon-192.png",
    tag: "stepcare-reminder",
    data: { url: sameSite(data.url) },
  }));
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const target = sameSite(event.notification.data && event.notification.data.url);
  event.waitUntil((async () => {
    const open = await self.clients.matchAll({ type: "window", includeUncontrolled: true });
    for (const client of open) {
      if (new URL(client.url).origin === self.location.origin && "focus" in client) {
        await client.focus();
        return client.navigate ? client.navigate(target) : undefined;
      }
    }
    return self.clients.openWindow(target);
  })());
});
