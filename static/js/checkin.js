// The check-in card: moving the energy slider (pointer or arrow keys) ticks "Log energy"
// and shows the value. Delegated from the document, so a card htmx swapped in works too.
// Without JavaScript the box is ticked by hand and the form posts the same fields.
document.addEventListener("input", (event) => {
  const slider = event.target.closest(".energy-slider");
  if (!slider) return;
  const form = slider.form;
  const box = form.querySelector('input[name="log_energy"]');
  if (box) box.checked = true;
  const shown = form.querySelector(".energy-value");
  if (shown) shown.textContent = slider.value;
});
