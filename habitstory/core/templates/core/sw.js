/* HabitStory service worker (served from /sw.js so its scope is the whole site).
   Keeps the app shell for offline use; pages come from the network, with the offline
   page when there is none. Cache version {{ version }}. */
const VERSION = "{{ version }}";
const SHELL_CACHE = `habitstory-shell-${VERSION}`;
const PRECACHE = {{ precache_json|safe }};
const OFFLINE_URL = {{ offline_url_json|safe }};

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

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;

  if (request.mode === "navigate") {
    // Pages are never served stale: network first, the offline page when it fails.
    event.respondWith(
      fetch(request).catch(() => caches.match(OFFLINE_URL)),
    );
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

self.addEventListener("notificationclick", (event) => {
  const data = event.notification.data || {};
  event.notification.close();
  const call = event.action ? (data.calls || {})[event.action] : null;
  event.waitUntil(call ? runAction(call, data) : openPage(data.url));
});
