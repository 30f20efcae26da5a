// Out-of-band fragments (a tick's htmx answer, the live socket's messages) are rendered once
// for every tab of a user, whatever page each tab shows. Before htmx swaps them in, they are
// fitted to the page:
// - a fragment whose target the page does not have (a Today row on a goal's page) is left
//   out of the message (the "live-swaps" extension, on <body>), instead of htmx logging
//   htmx:oobErrorNoTarget;
// - its forms get this page's CSRF token (the server renders a stand-in, PAGE_CSRF_TOKEN in
//   habitstory/story/render.py), so they post like the page's own forms. This happens as
//   each fragment is swapped (htmx:oobBeforeSwap), whichever road it came by.

function pageToken(doc) {
  try {
    return JSON.parse(doc.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || "";
  } catch {
    return "";
  }
}

function hasTarget(element, doc) {
  const how = element.getAttribute("hx-swap-oob") || "true";
  const colon = how.indexOf(":");
  if (colon > 0) {
    try {
      return doc.querySelector(how.slice(colon + 1)) !== null;
    } catch {
      return true;  // a selector we cannot read: htmx decides
    }
  }
  return !element.id || doc.getElementById(element.id) !== null;
}

// The message without the out-of-band fragments this page has no target for.
export function keepPresent(text, doc = document) {
  if (typeof text !== "string" || !text.includes("hx-swap-oob")) return text;
  const template = doc.createElement("template");
  template.innerHTML = text;
  const missing = [...template.content.querySelectorAll("[hx-swap-oob]")].filter((element) => !hasTarget(element, doc));
  if (!missing.length) return text;
  missing.forEach((element) => element.remove());
  return template.innerHTML;
}

export function fillToken(fragment, doc = document) {
  const token = pageToken(doc);
  if (!token || !fragment) return;
  fragment.querySelectorAll('input[name="csrfmiddlewaretoken"]').forEach((input) => {
    input.value = token;
    input.setAttribute("value", token);
  });
}

export function defineLiveSwaps(htmx, doc = document) {
  if (!htmx) return;
  htmx.defineExtension("live-swaps", { transformResponse: (text) => keepPresent(text, doc) });
  doc.addEventListener("htmx:oobBeforeSwap", (event) => fillToken(event.detail.fragment, doc));
}
