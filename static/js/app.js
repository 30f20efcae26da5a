// HabitStory's small shell script: service worker, time zone, toasts, live socket state.
// No inline scripts anywhere (CSP with nonces); each feature keeps to its own module.
import { defineLiveSwaps } from "./live-swaps.js";
import { startOffline } from "./offline.js";

const TOAST_MS = 5000;

function registerServiceWorker() {
  const url = document.body.dataset.swUrl;
  if (!url || !("serviceWorker" in navigator)) return;
  navigator.serviceWorker.register(url, { scope: "/", type: "module" }).then(
    () => document.documentElement.dataset.sw = "registered",
    (error) => console.warn("Service worker registration failed", error),
  );
}

// Sign-up (and any form with data-timezone) learns the browser's IANA time zone.
function fillTimezone(root = document) {
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone || "";
  root.querySelectorAll('input[name="timezone"][type="hidden"]').forEach((input) => {
    if (!input.value) input.value = zone;
  });
}

function dismissLater(toast) {
  if (toast.dataset.timed) return;
  toast.dataset.timed = "1";
  setTimeout(() => {
    toast.classList.add("is-leaving");
    setTimeout(() => toast.remove(), 350);
  }, TOAST_MS);
}

// The tab that ticked hears the news twice (its own htmx answer and the live socket that
// tells every tab): a toast whose data-key is already showing is dropped.
function dropDuplicates(box) {
  const seen = new Set();
  box.querySelectorAll(".toast[data-key]").forEach((toast) => {
    if (seen.has(toast.dataset.key)) toast.remove();
    else seen.add(toast.dataset.key);
  });
}

function watchToasts() {
  const box = document.getElementById("toasts");
  if (!box) return;
  box.querySelectorAll(".toast").forEach(dismissLater);
  new MutationObserver(() => {
    dropDuplicates(box);
    box.querySelectorAll(".toast").forEach(dismissLater);
  }).observe(box, { childList: true });
}

// Live regions: parts of a page marked data-live-region (with an id) are re-rendered from
// the server when the socket comes back after a drop (anything may have changed meanwhile),
// and when an event named in their data-live-on arrives (e.g. a goal's progress when a habit
// is logged in another tab). data-live-habit limits a region to one habit's events. One
// fetch of the current page serves every stale region; a region holding the focus of a
// field being edited is left alone.
const REFRESH_DELAY_MS = 150;
const staleRegions = new Set();
let refreshTimer = null;

function markStale(regions) {
  regions.forEach((region) => staleRegions.add(region.id));
  if (staleRegions.size && !refreshTimer) refreshTimer = setTimeout(refreshRegions, REFRESH_DELAY_MS);
}

async function refreshRegions() {
  refreshTimer = null;
  const ids = [...staleRegions];
  staleRegions.clear();
  if (!ids.length) return;
  let response;
  try {
    response = await fetch(window.location.href, { credentials: "same-origin" });
  } catch {
    return;  // offline again: the next reconnect re-syncs
  }
  if (!response.ok || response.redirected) return;
  const fresh = new DOMParser().parseFromString(await response.text(), "text/html");
  for (const id of ids) {
    const current = document.getElementById(id);
    const replacement = fresh.getElementById(id);
    if (!current || !replacement) continue;
    const focused = document.activeElement;
    if (focused && current.contains(focused) && focused.matches("input, textarea, select")) continue;
    const adopted = document.importNode(replacement, true);
    current.replaceWith(adopted);
    if (window.htmx) window.htmx.process(adopted);
  }
  document.body.dataset.liveRefreshes = String(Number(document.body.dataset.liveRefreshes || 0) + 1);
}

function liveEvents(message) {
  const parsed = new DOMParser().parseFromString(message, "text/html");
  return [...parsed.querySelectorAll('[id="live-last-event"]')].map((marker) => marker.dataset);
}

function regionsFor(event) {
  return [...document.querySelectorAll("[data-live-region][data-live-on]")].filter((region) => {
    if (!region.dataset.liveOn.split(/\s+/).includes(event.event)) return false;
    return !region.dataset.liveHabit || !event.habitId || region.dataset.liveHabit === event.habitId;
  });
}

// A page whose content belongs to one day (Today) says when that day ends for the user
// (data-stale-at, their day-start hour included); it re-renders then, or as soon as the
// tab is looked at again if it slept through it.
// Each end is acted on once: if the fresh page still says the same end (the device's clock
// runs ahead of the server's), it is not fetched again every 30 seconds.
function watchDayEnd() {
  const handled = new Set();
  const due = () => [...document.querySelectorAll("[data-live-region][data-stale-at]")]
    .filter((region) => Date.parse(region.dataset.staleAt) <= Date.now())
    .filter((region) => !handled.has(`${region.id} ${region.dataset.staleAt}`));
  const check = () => {
    const stale = due();
    stale.forEach((region) => handled.add(`${region.id} ${region.dataset.staleAt}`));
    if (stale.length) markStale(stale);
  };
  setInterval(check, 30000);
  document.addEventListener("visibilitychange", () => { if (!document.hidden) check(); });
}

function trackLiveSocket() {
  const set = (state) => document.body.dataset.live = state;
  let opened = false;
  document.body.addEventListener("htmx:wsOpen", () => {
    if (opened) markStale([...document.querySelectorAll("[data-live-region]")]);  // a reconnect: re-sync
    opened = true;
    set("open");
  });
  document.body.addEventListener("htmx:wsAfterMessage", (event) => {
    liveEvents(event.detail.message || "").forEach((live) => markStale(regionsFor(live)));
  });
  // Another part of the page knows the server has changed (static/js/offline.js replayed
  // changes made offline): every live region is re-rendered.
  document.addEventListener("habitstory:resync", () => markStale([...document.querySelectorAll("[data-live-region]")]));
  document.body.addEventListener("htmx:wsClose", () => set("closed"));
  document.body.addEventListener("htmx:wsError", () => set("error"));
  document.body.addEventListener("htmx:wsAfterMessage", () => {
    document.body.dataset.liveMessages = String(Number(document.body.dataset.liveMessages || 0) + 1);
  });
}

// Buttons that destroy something ask first (data-confirm, or allauth's "remove e-mail").
function confirmDestructive() {
  document.addEventListener("click", (event) => {
    const button = event.target.closest('[data-confirm], button[name="action_remove"]');
    if (!button) return;
    const question = button.dataset.confirm || "Do you really want to remove this?";
    if (!window.confirm(question)) event.preventDefault();
  });
}

// The habit form shows only the fields the chosen schedule and type use (without
// JavaScript every field stays visible and the server ignores the unused ones).
function habitFormFields(root = document) {
  const form = root.querySelector(".habit-form");
  if (!form) return;
  const bySchedule = { weekdays: "field-weekdays", per_week: "field-times_per_week", every_n_days: "field-every_n_days" };
  const update = () => {
    const schedule = form.querySelector('input[name="schedule"]:checked')?.value;
    for (const [kind, id] of Object.entries(bySchedule)) {
      const field = document.getElementById(id);
      if (field) field.hidden = kind !== schedule;
    }
    const measurable = form.querySelector('input[name="kind"]:checked')?.value !== "yes_no";
    for (const id of ["field-target_value", "field-unit"]) {
      const field = document.getElementById(id);
      if (field) field.hidden = !measurable;
    }
  };
  form.addEventListener("change", update);
  update();
}

// A started timer counts down on its row; ticking "done" finishes it.
function runTimers() {
  const tick = () => {
    document.querySelectorAll(".timer[data-started-at]").forEach((timer) => {
      const end = Date.parse(timer.dataset.startedAt) + Number(timer.dataset.minutes) * 60000;
      const left = Math.round((end - Date.now()) / 1000);
      if (Number.isNaN(left)) return;
      timer.textContent = left > 0
        ? `${Math.floor(left / 60)}:${String(left % 60).padStart(2, "0")} left`
        : "time's up: tick it off";
    });
  };
  tick();
  setInterval(tick, 1000);
}

// Push on this device (profile page): ask for permission, subscribe with the site's VAPID
// key, and tell the server; or unsubscribe. The card is re-rendered from the server after.
function base64UrlToBytes(value) {
  const padded = (value + "=".repeat((4 - (value.length % 4)) % 4)).replace(/-/g, "+").replace(/_/g, "/");
  return Uint8Array.from(atob(padded), (c) => c.charCodeAt(0));
}

function csrfHeaders() {
  try {
    return { ...JSON.parse(document.body.getAttribute("hx-headers") || "{}"), "Content-Type": "application/json" };
  } catch {
    return { "Content-Type": "application/json" };
  }
}

async function refreshPushCard(card) {
  const response = await fetch(card.dataset.cardUrl, { credentials: "same-origin" });
  if (!response.ok) return;
  card.outerHTML = await response.text();
  setupPush();
}

function setupPush() {
  const card = document.getElementById("push-devices");
  if (!card || !card.dataset.publicKey) return;
  const status = card.querySelector("[data-push-status]");
  const on = card.querySelector("[data-push-on]");
  const off = card.querySelector("[data-push-off]");
  const say = (text) => { if (status) status.textContent = text; };
  if (!("serviceWorker" in navigator) || !("PushManager" in window) || !("Notification" in window)) {
    say("This browser cannot receive push notifications. (On iPhone and iPad, add HabitStory to the Home Screen first.)");
    return;
  }
  const known = new Set([...card.querySelectorAll("[data-endpoint]")].map((item) => item.dataset.endpoint));
  const post = (url, data) => fetch(url, {
    method: "POST", credentials: "same-origin", headers: csrfHeaders(), body: JSON.stringify(data),
  });

  const show = (subscription) => {
    const active = Boolean(subscription) && Notification.permission === "granted";
    on.hidden = active;
    off.hidden = !active;
    if (active) say("Push is on for this device.");
    else if (Notification.permission === "denied") say("Notifications are blocked for this site: allow them in your browser's site settings, then turn push on here.");
    else say("Push is off for this device.");
  };

  navigator.serviceWorker.ready.then(async (registration) => {
    const subscription = await registration.pushManager.getSubscription();
    // A browser still subscribed that the server forgot (or another account had) is sent again.
    if (subscription && Notification.permission === "granted" && !known.has(subscription.endpoint)) {
      const response = await post(card.dataset.subscribeUrl, subscription.toJSON());
      if (response.ok) return refreshPushCard(card);
    }
    show(subscription);

    on.onclick = async () => {
      on.disabled = true;
      try {
        const permission = await Notification.requestPermission();
        if (permission !== "granted") { show(null); return; }
        say("Turning push on…");
        const created = await registration.pushManager.subscribe({
          userVisibleOnly: true, applicationServerKey: base64UrlToBytes(card.dataset.publicKey),
        });
        const response = await post(card.dataset.subscribeUrl, created.toJSON());
        if (!response.ok) {
          const body = await response.json().catch(() => ({}));
          say(`Push could not be turned on: ${Object.values(body.errors || {}).join(" ") || response.statusText}`);
          await created.unsubscribe().catch(() => undefined);
          return;
        }
        await refreshPushCard(card);
      } catch (error) {
        say(`Push could not be turned on: ${error.message || error}`);
      } finally {
        on.disabled = false;
      }
    };

    off.onclick = async () => {
      off.disabled = true;
      try {
        const current = await registration.pushManager.getSubscription();
        if (current) {
          await post(card.dataset.unsubscribeUrl, { endpoint: current.endpoint });
          await current.unsubscribe();
        }
        await refreshPushCard(card);
      } catch (error) {
        say(`Push could not be turned off: ${error.message || error}`);
      } finally {
        off.disabled = false;
      }
    };
  });
}

defineLiveSwaps(window.htmx);
registerServiceWorker();
startOffline();
setupPush();
confirmDestructive();
runTimers();
habitFormFields();
fillTimezone();
watchToasts();
trackLiveSocket();
watchDayEnd();
document.body.addEventListener("htmx:afterSettle", (event) => fillTimezone(event.target));
