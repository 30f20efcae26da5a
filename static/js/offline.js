// Offline-first Today, the page's part (the service worker keeps the pages and replays in the
// background; the queue is static/js/offline-queue.js, the rows static/js/offline-rows.js).
//
// - A tick, undo, skip or amount change on a Today row made without a connection (or whose
//   request fails to reach the server) is queued on this device and shown in the row at once,
//   "Saved on this device, will sync". Other tabs show it too (BroadcastChannel).
// - The queue is replayed when the connection returns: Background Sync where the browser has
//   it, else the `online` event, and on every page load and live-socket reconnection; then
//   the page re-renders its live regions from the server, so the rows show what the server
//   made of the changes. Any other change that fails for want of a connection says so.
// - A page served from the service worker's copy (body[data-offline-copy]) reloads itself
//   when the server answers again.

import { dismiss, entriesFor, queueChange, replay, saveToken, SYNC_TAG } from "./offline-queue.js";
import { dayLabel, rowInfo, rowsOnPage, showNote, showNotices, showPending } from "./offline-rows.js";

const LOG_PATH = /^\/habits\/\d+\/log\/\d{4}-\d{2}-\d{2}\/$/;
const KEEP_DELAY_MS = 1000;
// Set when a kept copy reloads itself: the service worker's Background Sync may have sent
// this device's changes while the server was rendering the page that replaces it.
const BACK_ONLINE = "habitstory-back-online";
const channel = "BroadcastChannel" in window ? new BroadcastChannel("habitstory-offline") : null;
const synced = [];  // this tab's replayed changes, for the note on a day that earned no XP
let renderQueued = false;
let keeping = Promise.resolve();
let replaying = null;
let keepTimer = null;

const user = () => document.body.dataset.userKey || "";
const isCopy = () => "offlineCopy" in document.body.dataset;
const pageDay = () => document.querySelector("#today-page time[datetime]")?.getAttribute("datetime") || "";

function pageToken() {
  try {
    return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || "";
  } catch {
    return "";
  }
}

function isLog(config) {
  return config?.verb === "post" && LOG_PATH.test(new URL(config.path, window.location.href).pathname);
}

// A change made on a Today row (the habit page's calendar posts to the same URL, online only).
function isRowChange(config) {
  return isLog(config) && Boolean(config.elt?.closest(".habit-row"));
}

function toast(text) {
  const item = document.createElement("div");
  item.className = "toast toast-warning";
  item.setAttribute("role", "status");
  item.textContent = text;
  document.getElementById("toasts")?.append(item);  // app.js dismisses it after a while
}

function dayBefore(day) {
  const date = new Date(`${day}T12:00:00Z`);
  date.setUTCDate(date.getUTCDate() - 1);
  return date.toISOString().slice(0, 10);
}

// Only a tick for today or yesterday earns XP (docs/rules.md, "XP").
function earnedNothing(entry, today) {
  return Boolean(today) && entry.op === "put" && entry.status !== "skipped" && entry.day < dayBefore(today);
}

function notes(rows) {
  const today = pageDay();
  const byHabit = new Map([...rows.values()].map((row) => [rowInfo(row).habit, row]));
  const elsewhere = [];
  for (const entry of synced.filter((item) => earnedNothing(item, today))) {
    const text = `${entry.name}: ${dayLabel(entry.day)} is saved, and earns no XP (only today and yesterday do).`;
    const row = byHabit.get(entry.habit);
    if (row) showNote(row, text);
    else elsewhere.push(text);
  }
  return elsewhere;
}

async function render() {
  renderQueued = false;
  const entries = await entriesFor(user()).catch(() => []);
  const rows = rowsOnPage();
  const elsewhere = [];
  for (const entry of entries) {
    const row = rows.get(`${entry.habit}|${entry.day}`);
    if (row) showPending(row, entry);
    else elsewhere.push(entry);
  }
  showNotices(elsewhere, notes(rows));
  document.body.dataset.offlinePending = String(entries.filter((entry) => entry.state === "pending").length);
}

function scheduleRender() {
  if (renderQueued) return;
  renderQueued = true;
  queueMicrotask(render);
}

function changeOf(action, form, info) {
  if (action === "done" || action === "skip" || action === "undo") return { action };
  if (action === "plus" || action === "minus") {
    return { action: "value", value: Math.max(0, info.value + (action === "plus" ? 1 : -1)) };
  }
  const value = Number(form.get("value"));
  if (action === "value" && form.get("value") !== "" && Number.isFinite(value) && value >= 0) {
    return { action: "value", value };
  }
  return null;
}

async function keepChange(config) {
  const row = config.elt?.closest(".habit-row");
  const info = rowInfo(row);
  if (!info) return;
  const change = changeOf(config.formData.get("action"), config.formData, info);
  if (!change) {
    showNote(row, "This needs a connection: try again when you are back online.");
    return;
  }
  const entry = await queueChange({ ...change, user: user(), habit: info.habit, day: info.day, name: info.name });
  showPending(row, entry);
  scheduleRender();  // the row on the page, should this one have been swapped out meanwhile
  channel?.postMessage({ type: "changed" });
  navigator.serviceWorker?.ready.then((registration) => registration.sync?.register(SYNC_TAG)).catch(() => undefined);
}

// One change at a time, so that + pressed twice counts from the amount the first one left.
function keep(config) {
  keeping = keeping.then(() => keepChange(config)).catch((error) => console.warn("Offline change not kept", error));
}

// Ask the service worker for fresh copies (it need not control the page yet).
function keepPages(paths) {
  if (isCopy() || !user() || !navigator.serviceWorker) return;
  navigator.serviceWorker.ready
    .then((registration) => registration.active?.postMessage({ type: "keep", paths }))
    .catch(() => undefined);
}

function keepTodayLater() {
  clearTimeout(keepTimer);
  keepTimer = setTimeout(() => keepPages(["/", window.location.pathname]), KEEP_DELAY_MS);
}

function afterReplay(results) {
  if (results.waited && !results.length) {
    // Someone else sent this device's changes: read the rows from the server again.
    document.dispatchEvent(new CustomEvent("habitstory:resync"));
    return scheduleRender();
  }
  if (!results.length) return scheduleRender();
  synced.push(...results.filter((result) => result.ok).map((result) => result.entry));
  channel?.postMessage({ type: "synced" });
  document.dispatchEvent(new CustomEvent("habitstory:resync"));  // the server's rows (app.js)
  keepTodayLater();
  return scheduleRender();
}

function sync() {
  if (!user() || isCopy() || !navigator.onLine) return Promise.resolve();
  if (!replaying) {
    replaying = keeping
      .then(() => replay(user()))
      .then(afterReplay, (error) => console.warn("Offline changes not sent yet", error))
      .finally(() => { replaying = null; });
  }
  return replaying;
}

// A page served from the service worker's copy comes back from the server once the server
// answers again (the browser's "online" may come a moment before the network does).
let probing = null;
function reloadWhenServed(delay = 0) {
  if (probing) return;
  probing = setTimeout(async () => {
    try {
      const response = await fetch(window.location.pathname, { method: "HEAD", cache: "no-store" });
      if (response.ok) {
        sessionStorage.setItem(BACK_ONLINE, "1");
        window.location.reload();
        return;
      }
    } catch {
      // not yet
    }
    probing = null;
    if (navigator.onLine) reloadWhenServed(Math.min(Math.max(delay * 2, 1000), 30000));
  }, delay);
}

function showNetwork() {
  let banner = document.getElementById("offline-status");
  if (navigator.onLine || isCopy()) {
    banner?.remove();
    return;
  }
  if (!banner) {
    banner = document.createElement("p");
    banner.id = "offline-status";
    banner.className = "offline-banner";
    banner.setAttribute("role", "status");
    banner.textContent = "You are offline: ticks are saved on this device and sync when you are back.";
    document.getElementById("main")?.prepend(banner);
  }
}

function listen() {
  document.body.addEventListener("htmx:configRequest", (event) => {
    if (!isRowChange(event.detail) || (navigator.onLine && !isCopy())) return;
    event.preventDefault();
    keep(event.detail);
  });
  // Online by the browser's word, yet the request never reached an answer.
  document.body.addEventListener("htmx:sendError", (event) => {
    const config = event.detail.requestConfig;
    if (isRowChange(config)) keep(config);
    else if (config?.verb !== "get") toast("No connection: that change was not saved. Try again when you are back online.");
  });
  document.body.addEventListener("htmx:afterRequest", (event) => {
    if (event.detail.successful && isLog(event.detail.requestConfig)) keepTodayLater();
  });
  document.addEventListener("click", (event) => {
    const button = event.target.closest("[data-offline-dismiss]");
    if (!button) return;
    dismiss(button.dataset.offlineDismiss).then(() => {
      channel?.postMessage({ type: "changed" });
      document.dispatchEvent(new CustomEvent("habitstory:resync"));
      scheduleRender();
    });
  });
  window.addEventListener("online", () => {
    showNetwork();
    if (isCopy()) reloadWhenServed();
    else sync();
  });
  window.addEventListener("offline", showNetwork);
  document.body.addEventListener("htmx:wsOpen", () => sync());  // the server answers again
  channel?.addEventListener("message", (event) => {
    if (event.data?.type === "synced") document.dispatchEvent(new CustomEvent("habitstory:resync"));
    scheduleRender();
  });
  navigator.serviceWorker?.addEventListener("message", (event) => {
    const data = event.data || {};
    if (data.type === "replayed" && data.user === user()) afterReplay(data.results || []);
    if (data.type === "kept" && data.paths?.includes(window.location.pathname)) {
      document.documentElement.dataset.offlineCopyKept = "1";
    }
  });
  // A new service worker (an update) starts without the old one's copies.
  navigator.serviceWorker?.addEventListener("controllerchange", () => keepPages([window.location.pathname]));
  const main = document.getElementById("main");
  if (main) new MutationObserver(scheduleRender).observe(main, { childList: true, subtree: true });
}

export function startOffline() {
  if (!user() || !("indexedDB" in window)) return;
  listen();
  showNetwork();
  scheduleRender();
  if (!isCopy()) {
    const backOnline = sessionStorage.getItem(BACK_ONLINE);
    sessionStorage.removeItem(BACK_ONLINE);
    saveToken(user(), pageToken())
      .then(sync)
      .then(() => backOnline && document.dispatchEvent(new CustomEvent("habitstory:resync")))
      .catch(() => undefined);
    keepPages([window.location.pathname]);
  } else if (navigator.onLine) {
    reloadWhenServed();
  }
}
