// The offline queue: changes to a habit's day made without a connection, kept in IndexedDB
// until they reach the server. Shared by the page (static/js/offline.js) and the service
// worker (Background Sync), so it touches no DOM.
//
// One entry per (user, habit, day) holds the final intended state of that day: a tick, an
// undo and a tick again are one "done". It is replayed through the idempotent
// PUT/DELETE /api/v1/habits/{id}/log/{date} with the session and its CSRF token, exactly once
// however many tabs (and the service worker) try at the same time: a Web Lock lets one replay
// run at a time, and an entry is deleted only after the server took it (a crash in between
// replays it again, which the idempotent API makes harmless). A change the server refuses
// (the habit was deleted, the day is before its start) stays, marked refused, until the user
// dismisses it.

const DB_NAME = "habitstory-offline";
const DB_VERSION = 1;
const CHANGES = "changes";
const TOKENS = "tokens";
const LOCK = "habitstory-offline-replay";
export const SYNC_TAG = "habitstory-offline-replay";
export const API_ROOT = "/api/v1/habits";

const KEEP_TRYING = new Set([401, 403, 408, 425, 429]);  // not a refusal: the session, the token, a limit

let opened = null;

function openDb() {
  if (!opened) {
    opened = new Promise((resolve, reject) => {
      const request = indexedDB.open(DB_NAME, DB_VERSION);
      request.onupgradeneeded = () => {
        const db = request.result;
        const changes = db.createObjectStore(CHANGES, { keyPath: "key" });
        changes.createIndex("user", "user");
        db.createObjectStore(TOKENS, { keyPath: "user" });
      };
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => { opened = null; reject(request.error); };
    });
  }
  return opened;
}

function done(request) {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

async function inStore(name, mode, work) {
  const db = await openDb();
  const transaction = db.transaction(name, mode);
  const finished = new Promise((resolve, reject) => {
    transaction.oncomplete = resolve;
    transaction.onerror = () => reject(transaction.error);
    transaction.onabort = () => reject(transaction.error);
  });
  const result = await work(transaction.objectStore(name));
  await finished;
  return result;
}

export function changeKey(user, habit, day) {
  return `${user}|${habit}|${day}`;
}

// The day's final intended state after `change` ({action, value}) on top of `previous` (the
// entry already queued for that day, or null). An action: done, skip, undo, or value (an
// absolute amount; + and − arrive as the amount they lead to).
export function collapse(previous, change) {
  const entry = {
    key: changeKey(change.user, change.habit, change.day),
    user: change.user, habit: String(change.habit), day: change.day, name: change.name || "",
    seq: (previous?.seq || 0) + 1, queuedAt: previous?.queuedAt || Date.now(),
    state: "pending", error: "",
  };
  if (change.action === "undo") return { ...entry, op: "delete", status: null, value: null };
  if (change.action === "skip") return { ...entry, op: "put", status: "skipped", value: null };
  if (change.action === "done") {
    const kept = previous?.op === "put" && previous.status !== "skipped" ? previous.value : null;
    return { ...entry, op: "put", status: "done", value: kept };
  }
  if (change.action === "value") return { ...entry, op: "put", status: null, value: String(change.value) };
  throw new Error(`A change that cannot wait for a connection: ${change.action}`);
}

export async function queueChange(change) {
  return inStore(CHANGES, "readwrite", async (store) => {
    const previous = await done(store.get(changeKey(change.user, change.habit, change.day)));
    const entry = collapse(previous, change);
    store.put(entry);
    return entry;
  });
}

export async function entriesFor(user) {
  const entries = await inStore(CHANGES, "readonly", (store) => done(store.index("user").getAll(user)));
  return entries.sort((a, b) => a.queuedAt - b.queuedAt);
}

export async function dismiss(key) {
  return inStore(CHANGES, "readwrite", (store) => done(store.delete(key)));
}

// The CSRF token of the user's latest page, for a replay the service worker runs alone.
export async function saveToken(user, token) {
  if (!user || !token) return;
  await inStore(TOKENS, "readwrite", (store) => done(store.put({ user, token })));
}

async function tokenOf(user) {
  const found = await inStore(TOKENS, "readonly", (store) => done(store.get(user)));
  return found?.token || "";
}

// Delete (or mark refused) the entry only if it is still the one that was sent: a change
// made meanwhile is newer and waits for the next round.
async function settle(entry, refusal) {
  return inStore(CHANGES, "readwrite", async (store) => {
    const current = await done(store.get(entry.key));
    if (!current || current.seq !== entry.seq) return false;
    if (refusal) store.put({ ...current, state: "refused", error: refusal });
    else store.delete(entry.key);
    return true;
  });
}

function request(entry, token) {
  const fields = { status: entry.status, value: entry.value === null ? null : Number(entry.value) };
  const body = entry.op === "delete" ? undefined
    : JSON.stringify(Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== null)));
  return fetch(`${API_ROOT}/${entry.habit}/log/${entry.day}`, {
    method: entry.op === "delete" ? "DELETE" : "PUT",
    credentials: "same-origin",
    headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": token },
    body,
  });
}

async function refusalOf(response) {
  if (response.status === 404) return "this habit no longer exists (it was deleted).";
  const answer = await response.json().catch(() => ({}));
  const details = Object.values(answer.error?.details || {}).flat().join(" ");
  return details || answer.error?.message || `the server answered ${response.status}.`;
}

async function replayRounds(user) {
  const token = await tokenOf(user);
  const results = [];
  for (let round = 0; round < 20; round += 1) {
    const pending = (await entriesFor(user)).filter((entry) => entry.state === "pending");
    if (!pending.length || !token) return results;
    for (const entry of pending) {
      let response;
      try {
        response = await request(entry, token);
      } catch {
        return results;  // still offline: everything waits
      }
      if (response.ok) {
        const answer = await response.json().catch(() => ({}));
        if (await settle(entry, "")) results.push({ entry, ok: true, log: answer.data?.log || null });
      } else if (KEEP_TRYING.has(response.status) || response.status >= 500) {
        return results;  // a stale page's token, a signed-out session, a limit, a server down
      } else {
        const refusal = await refusalOf(response);
        if (await settle(entry, refusal)) results.push({ entry: { ...entry, state: "refused", error: refusal }, ok: false });
      }
    }
  }
  return results;
}

// Send the user's pending changes, oldest first. Returns what happened to each change sent.
// `waited` is set on the answer when another context (the service worker's Background Sync,
// another tab) was replaying at the time: what it sent may have reached the server after this
// page was rendered, and its "replayed" message may have gone out before this page listened.
export async function replay(user) {
  if (!user) return [];
  if (!globalThis.navigator?.locks) return replayRounds(user);
  const mine = await navigator.locks.request(LOCK, { ifAvailable: true }, (lock) => (lock ? replayRounds(user) : null));
  if (mine) return mine;
  const results = await navigator.locks.request(LOCK, () => replayRounds(user));
  results.waited = true;
  return results;
}
