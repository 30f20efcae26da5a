/* HabitStory service worker: a module served from /sw.js, so its scope is the whole site.
   Cache version {{ version }}.
   - The app shell (static files) for offline use.
   - Pages from the network; Today and the habit pages the user visited are kept per user
     (one user's copies at a time: another user's page, or a signed-out one, drops them; so
     does logging out) and served when the network fails, marked "Offline: showing your last
     copy from HH:MM".
   - Background Sync replays the offline queue (static/js/offline-queue.js).
   - Web Push. */
import { entriesFor, replay, SYNC_TAG } from {{ queue_module_json|safe }};

const VERSION = "{{ version }}";
const SHELL_CACHE = `habitstory-shell-${VERSION}`;
const PAGES_CACHE = `habitstory-pages-${VERSION}-`;  // + the user's key (base.html's data-user-key)
const PRECACHE = {{ precache_json|safe }};
const OFFLINE_URL = {{ offline_url_json|safe }};
const KEPT_PAGES = {{ kept_pages_json|safe }}.map((source) => new RegExp(source));
const LOGOUT_PATH = {{ logout_path_json|safe }};
const MAX_PAGES = 40;
const USER_KEY = /\sdata-user-key="([0-9a-f]+)"/;

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches.open(SHELL_CACHE)
      .then((cache) => cache.addAll(PRECACHE))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((keys) => Promise.all(
        keys.filter((key) => key.startsWith("habitstory-") && key !== SHELL_CACHE)
          .map((key) => caches.delete(key)),
      ))
      .then(() => self.clients.claim()),
  );
});

const isKept = (path) => KEPT_PAGES.some((pattern) => pattern.test(path));

// Every user's copies but `user`'s (all of them when nobody is signed in).
async function forgetPages(user = "") {
  const names = await caches.keys();
  await Promise.all(
    names.filter((name) => name.startsWith("habitstory-pages-") && name !== PAGES_CACHE + user)
      .map((name) => caches.delete(name)),
  );
}

async function pagesUser() {
  const name = (await caches.keys()).find((key) => key.startsWith(PAGES_CACHE));
  return name ? name.slice(PAGES_CACHE.length) : "";
}

// A page the network answered: whose it is decides which copies stay; a kept page is copied.
async function remember(url, response) {
  const type = response.headers.get("Content-Type") || "";
  if (!response.ok || response.type !== "basic" || !type.startsWith("text/html")) return false;
  const html = await response.text();
  const body = (html.match(/<body\b[^>]*>/) || [""])[0];
  if (!body.includes("data-sw-url")) return false;  // not an app page (the offline page, a 500)
  const user = (body.match(USER_KEY) || [])[1] || "";
  await forgetPages(user);
  const path = new URL(response.url || url, self.location.origin).pathname;
  if (!user || !isKept(path)) return false;
  const headers = new Headers(response.headers);
  ["Content-Encoding", "Content-Length"].forEach((name) => headers.delete(name));
  headers.set("X-Copied-At", new Date().toISOString());
  const cache = await caches.open(PAGES_CACHE + user);
  await cache.put(path, new Response(html, { status: 200, headers }));
  const keys = await cache.keys();
  await Promise.all(keys.slice(0, Math.max(0, keys.length - MAX_PAGES)).map((key) => cache.delete(key)));
  return true;
}

function marked(html, copiedAt) {
  const time = new Date(copiedAt).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
  const banner = `<p class="offline-banner" role="status">Offline: showing your last copy from ${time}</p>`;
  return html
    .replace(/<body\b/, `<body data-offline-copy="${copiedAt}"`)
    .replace(/(<main\b[^>]*>)/, `$1${banner}`);
}

async function lastCopy(url) {
  const path = new URL(url).pathname;
  const user = await pagesUser();
  if (!user || !isKept(path)) return null;
  const cached = await (await caches.open(PAGES_CACHE + user)).match(path);
  if (!cached) return null;
  const html = marked(await cached.text(), cached.headers.get("X-Copied-At") || "");
  return new Response(html, { status: 200, headers: cached.headers });
}

async function page(event) {
  try {
    const response = await fetch(event.request);
    event.waitUntil(remember(event.request.url, response.clone()).catch(() => undefined));
    return response;
  } catch {
    return (await lastCopy(event.request.url)) || (await caches.match(OFFLINE_URL)) || Response.error();
  }
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === "navigate" && request.method === "POST" && url.pathname === LOGOUT_PATH) {
    event.waitUntil(forgetPages());  // logging out leaves no copy of their pages behind
    return;
  }
  if (request.method !== "GET") return;

  if (request.mode === "navigate") {
    event.respondWith(page(event));
    return;
  }

  if (url.pathname.startsWith("/static/")) {
    // Static files: from the cache at once, refreshed in the background.
    event.respondWith(
      caches.open(SHELL_CACHE).then((cache) =>
        cache.match(request).then((cached) => {
          const fresh = fetch(request).then((response) => {
            if (response.ok) cache.put(request, response.clone());
            return response;
          });
          if (cached) {
            event.waitUntil(fresh.catch(() => undefined));
            return cached;
          }
          return fresh;
        }),
      ),
    );
  }
});

// A page asks for fresh copies of itself (and of Today after a tick).
async function keepPages(paths, client) {
  const kept = [];
  for (const path of new Set(paths)) {
    if (!isKept(path)) continue;
    try {
      if (await remember(path, await fetch(path, { credentials: "same-origin" }))) kept.push(path);
    } catch {
      // offline: the last copy stays
    }
  }
  client?.postMessage({ type: "kept", paths: kept });
}

self.addEventListener("message", (event) => {
  const data = event.data || {};
  if (data.type === "keep") event.waitUntil(keepPages(data.paths || [], event.source));
});

// Background Sync: the connection is back. Only the signed-in user's changes are sent (the
// user whose pages are kept), with the CSRF token of their latest page; each open tab is told.
async function replayInBackground() {
  const user = await pagesUser();
  if (!user) return;
  const results = await replay(user);
  const windows = await self.clients.matchAll({ type: "window" });
  windows.forEach((client) => client.postMessage({ type: "replayed", user, results }));
  if ((await entriesFor(user)).some((entry) => entry.state === "pending")) {
    throw new Error("Some changes are still waiting");  // the browser tries again later
  }
}

self.addEventListener("sync", (event) => {
  if (event.tag === SYNC_TAG) event.waitUntil(replayInBackground());
});

/* Web Push (notifications.push): show the message; a click opens its page; a button
   ("Done", "Snooze") makes its API call with the action token it carries, without
   opening the app. */
const ICON = {{ icon_json|safe }};

self.addEventListener("push", (event) => {
  let message = {};
  try {
    message = event.data ? event.data.json() : {};
  } catch {
    message = { body: event.data ? event.data.text() : "" };
  }
  event.waitUntil(
    self.registration.showNotification(message.title || "HabitStory", {
      body: message.body || "",
      icon: ICON,
      badge: ICON,
      tag: message.tag || undefined,
      renotify: Boolean(message.tag),
      actions: (message.actions || []).slice(0, 2),
      data: { url: message.url || "/", calls: message.calls || {}, title: message.title || "" },
    }),
  );
});

async function openPage(url) {
  const target = new URL(url || "/", self.location.origin).href;
  const windows = await self.clients.matchAll({ type: "window", includeUncontrolled: true });
  for (const client of windows) {
    if (new URL(client.url).origin !== self.location.origin) continue;
    await client.focus();
    return client.url === target ? client : client.navigate(target);
  }
  return self.clients.openWindow(target);
}

// The button's API call. On failure the person is told and can open the app instead.
async function runAction(call, data) {
  try {
    const response = await fetch(call.path, {
      method: call.method,
      credentials: "omit",
      headers: { Authorization: `Bearer ${call.token}`, "Content-Type": "application/json" },
      body: call.body == null ? undefined : JSON.stringify(call.body),
    });
    if (response.ok) return response;
    const answer = await response.json().catch(() => ({}));
    const reason = Object.values(answer.error?.details || {}).join(" ") || answer.error?.message || response.statusText;
    throw new Error(reason);
  } catch (error) {
    await self.registration.showNotification("HabitStory", {
      body: `${data.title ? `${data.title}: ` : ""}that didn't work (${error.message || error}). Tap to open the app.`,
      icon: ICON,
      tag: "action-failed",
      data: { url: data.url || "/", calls: {} },
    });
    return null;
  }
}

// A module's functions are not globals: the one the push journey's test calls by hand.
self.runAction = runAction;

self.addEventListener("notificationclick", (event) => {
  const data = event.notification.data || {};
  event.notification.close();
  const call = event.action ? (data.calls || {})[event.action] : null;
  event.waitUntil(call ? runAction(call, data) : openPage(data.url));
});
