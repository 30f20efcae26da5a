// HabitStory's small shell script: service worker, time zone, toasts, live socket state.
// No inline scripts anywhere (CSP with nonces); each feature keeps to its own module.

const TOAST_MS = 5000;

function registerServiceWorker() {
  const url = document.body.dataset.swUrl;
  if (!url || !("serviceWorker" in navigator)) return;
  navigator.serviceWorker.register(url, { scope: "/" }).then(
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

function trackLiveSocket() {
  const set = (state) => document.body.dataset.live = state;
  document.body.addEventListener("htmx:wsOpen", () => set("open"));
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

registerServiceWorker();
confirmDestructive();
runTimers();
habitFormFields();
fillTimezone();
watchToasts();
trackLiveSocket();
document.body.addEventListener("htmx:afterSettle", (event) => fillTimezone(event.target));
