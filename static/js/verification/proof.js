// The proof leaving the page: its SHA-256 (of the exact bytes sent) and the upload.

export async function sha256Hex(blob) {
  const digest = await crypto.subtle.digest("SHA-256", await blob.arrayBuffer());
  return Array.from(new Uint8Array(digest), (byte) => byte.toString(16).padStart(2, "0")).join("");
}

// POST multipart to the API with the session cookie and the CSRF token. Resolves with
// {ok, status, data, error}; error is the API envelope's {code, message, details}.
export async function uploadProof(url, csrfToken, fields, blob, filename) {
  const body = new FormData();
  for (const [name, value] of Object.entries(fields)) body.append(name, value);
  body.append("file", blob, filename);
  let response;
  try {
    response = await fetch(url, {
      method: "POST",
      body,
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken, Accept: "application/json" },
    });
  } catch {
    return { ok: false, status: 0, error: { code: "network", message: "The upload did not get through. Check your connection and try again." } };
  }
  const payload = await response.json().catch(() => ({}));
  if (response.ok) return { ok: true, status: response.status, data: payload.data ?? payload };
  const error = payload.error ?? { code: "http_" + response.status, message: `The upload was refused (${response.status}).` };
  return { ok: false, status: response.status, error };
}

export function describeBytes(bytes) {
  if (bytes < 1024) return `${bytes} bytes`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(0)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

export function describeSeconds(seconds) {
  return `${seconds.toFixed(1)} s`;
}
