// Copy buttons: <button data-copy-from="ID" data-copy-status="ID" hidden> copies the value
// of the field with that id (the API tokens page's new token). Without JavaScript the
// button stays hidden and the read-only field is there to select and copy by hand.

async function copyFrom(field) {
  if (navigator.clipboard && window.isSecureContext) {
    try {
      await navigator.clipboard.writeText(field.value);
      return true;
    } catch {
      // Permission refused: fall back to the selection below.
    }
  }
  field.focus();
  field.select();
  return document.execCommand("copy");
}

function setUpCopyButtons(root = document) {
  root.querySelectorAll("button[data-copy-from]").forEach((button) => {
    const field = document.getElementById(button.dataset.copyFrom);
    if (!field) return;
    const status = document.getElementById(button.dataset.copyStatus || "");
    button.addEventListener("click", async () => {
      const copied = await copyFrom(field);
      if (status) status.textContent = copied ? "Copied." : "Could not copy: select the text and copy it.";
    });
    button.hidden = false;
  });
}

setUpCopyButtons();
