// How queued changes show on a page (static/js/offline.js decides when): a Today row takes at
// once the state its queued change will give it, marked "Saved on this device, will sync"; a
// change the server refused says why, with Dismiss; a change for a day the page has no row
// for is listed in a notice at the top of the page. Rows come from the server
// (habits/templates/habits/today.html); this only adjusts what a change alters.

const LOG_PATH = /\/habits\/(\d+)\/log\/(\d{4}-\d{2}-\d{2})\/$/;
const PENDING = "Saved on this device, will sync";
const CIRCLE = '<circle cx="12" cy="12" r="10"/>';
const TICKS = {
  done: { value: "undo", pressed: "true", css: "tick is-done", svg: `${CIRCLE}<path d="M7 12.5l3.2 3.2L17 9"/>`,
          label: (name) => `${name}: done. Undo` },
  skipped: { value: "undo", pressed: "true", css: "tick is-skipped", svg: `${CIRCLE}<path d="M8 12h8"/>`,
             label: (name) => `${name}: skipped. Undo` },
  open: { value: "done", pressed: "false", css: "tick", svg: CIRCLE,
          label: (name, measurable) => `${name}: ${measurable ? "mark target met" : "mark done"}` },
};

export function rowInfo(row) {
  const form = row?.querySelector("form[action]");
  const match = form && new URL(form.getAttribute("action"), window.location.href).pathname.match(LOG_PATH);
  if (!match) return null;
  const input = row.querySelector(".step-value");
  return {
    habit: match[1], day: match[2], input,
    name: row.querySelector(".habit-name")?.textContent.trim() || "",
    value: input ? Number(input.value || 0) : 0,
  };
}

export function rowsOnPage(root = document) {
  const rows = new Map();
  root.querySelectorAll(".habit-row").forEach((row) => {
    const info = rowInfo(row);
    if (info) rows.set(`${info.habit}|${info.day}`, row);
  });
  return rows;
}

export function dayLabel(day) {
  const date = new Date(`${day}T12:00:00`);
  return date.toLocaleDateString(undefined, { weekday: "short", day: "numeric", month: "short" });
}

function setTick(row, state, info) {
  const current = row.querySelector(".row-actions .tick");
  if (!current) return;
  let button = current;
  if (current.tagName !== "BUTTON") {  // an "over limit" mark, not a button
    button = document.createElement("button");
    button.type = "submit";
    button.name = "action";
    current.replaceWith(button);
  }
  const tick = TICKS[state];
  button.value = tick.value;
  button.className = tick.css;
  button.setAttribute("aria-pressed", tick.pressed);
  button.setAttribute("aria-label", tick.label(info.name, Boolean(info.input)));
  button.innerHTML = `<svg viewBox="0 0 24 24" aria-hidden="true">${tick.svg}</svg>`;
}

function setState(row, state, info) {
  row.className = `habit-row is-${state === "open" ? "scheduled" : state} is-pending`;
  setTick(row, state, info);
  const secondary = row.querySelector(".row-secondary");
  if (secondary) secondary.hidden = state !== "open";
  const stepper = row.querySelector(".stepper");
  if (stepper) stepper.hidden = state === "skipped";
  row.querySelectorAll(".habit-meta .badge-skipped").forEach((badge) => { badge.hidden = state !== "skipped"; });
}

function clearNotes(row) {
  row.querySelectorAll("[data-offline-note]").forEach((note) => note.remove());
}

function refusedNote(entry) {
  const note = document.createElement("p");
  note.className = "row-error";
  note.setAttribute("role", "alert");
  note.dataset.offlineNote = "";
  note.append(`Not saved: ${entry.error} `);
  const button = document.createElement("button");
  button.type = "button";
  button.className = "button-link";
  button.dataset.offlineDismiss = entry.key;
  button.textContent = "Dismiss";
  note.append(button);
  return note;
}

// The row as the queued change will leave it. Applied again only when the change is new.
export function showPending(row, entry) {
  const mark = `${entry.seq}:${entry.state}`;
  if (row.dataset.offline === mark) return;
  const info = rowInfo(row);
  if (entry.state === "pending") {
    const state = entry.op === "delete" ? "open" : entry.status;
    if (state) setState(row, state, info);
    else row.classList.add("is-pending");
    if (info.input && document.activeElement !== info.input) {
      info.input.value = entry.op === "delete" ? "0" : (entry.value ?? info.input.value);
    }
  }
  clearNotes(row);
  if (entry.state === "refused") {
    row.classList.remove("is-pending");
    row.querySelector(".habit-main")?.append(refusedNote(entry));
  } else {
    const badge = document.createElement("span");
    badge.className = "badge badge-pending";
    badge.dataset.offlineNote = "";
    badge.textContent = PENDING;
    row.querySelector(".habit-meta")?.append(badge);
  }
  row.dataset.offline = mark;
}

// A line under a row's name (what a sync did to a day that earned no XP).
export function showNote(row, text) {
  if (row.querySelector(`[data-offline-note][data-text="${CSS.escape(text)}"]`)) return;
  const note = document.createElement("p");
  note.className = "row-note";
  note.dataset.offlineNote = "";
  note.dataset.text = text;
  note.textContent = text;
  row.querySelector(".habit-main")?.append(note);
}

function describe(entry) {
  if (entry.op === "delete") return "not done";
  if (entry.status) return entry.status;
  return `amount ${entry.value}`;
}

// Changes with no row on this page, in a card at the top of the main content.
export function showNotices(entries, notes = []) {
  let box = document.getElementById("offline-notices");
  if (!entries.length && !notes.length) {
    box?.remove();
    return;
  }
  const signature = JSON.stringify([entries.map((entry) => [entry.key, entry.seq, entry.state]), notes]);
  if (box?.dataset.signature === signature) return;  // unchanged: the page's observer stays quiet
  if (!box) {
    box = document.createElement("section");
    box.id = "offline-notices";
    box.className = "card offline-notices";
    box.setAttribute("aria-label", "Changes made offline");
    document.getElementById("main")?.prepend(box);
  }
  const list = document.createElement("ul");
  list.className = "plain-list";
  for (const entry of entries) {
    const item = document.createElement("li");
    const what = `${entry.name || "A habit"}, ${dayLabel(entry.day)} (${describe(entry)})`;
    if (entry.state === "refused") {
      item.append(refusedNote(entry));
      item.firstChild.prepend(`${what}: `);
    } else {
      item.textContent = `${what}: ${PENDING.toLowerCase()}.`;
    }
    list.append(item);
  }
  for (const text of notes) {
    const item = document.createElement("li");
    item.textContent = text;
    list.append(item);
  }
  box.replaceChildren(list);
  box.dataset.signature = signature;
}
