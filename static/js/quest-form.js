// The quest form (quests/templates/quests/form.html): each objective row shows its habit
// and "How many" fields only for the habit kinds. Without JavaScript every field stays
// visible and the server ignores them for a step to tick.
function objectiveRows(root = document) {
  const form = root.querySelector(".quest-form");
  if (!form) return;
  const update = (row) => {
    const kind = row.querySelector('select[name$="-kind"]');
    if (!kind) return;
    const manual = kind.value === "manual";
    row.querySelectorAll('[id$="-habit"].field, [id$="-target"].field').forEach((field) => {
      // A field with an error stays in sight, so the message can be read.
      field.hidden = manual && !field.classList.contains("field-error");
    });
  };
  form.querySelectorAll(".objective-row").forEach(update);
  form.addEventListener("change", (event) => {
    if (event.target.matches('select[name$="-kind"]')) update(event.target.closest(".objective-row"));
  });
}

objectiveRows();
