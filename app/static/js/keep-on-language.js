// Switching language reloads the page, which would throw away anything typed and not yet
// saved (a half-answered questionnaire, a message, the registration form). When the
// header's language form is sent, the page's other form fields are put in sessionStorage
// (this tab only) under the page's path; the reloaded page, now in the other language,
// puts them back and deletes the copy. Never kept: passwords, hidden fields (CSRF tokens
// and other plumbing), files, and anything whose name says it is a secret.

const PREFIX = "stepcare:typed-before-language:";
const MAX_AGE_MS = 5 * 60 * 1000; // a copy that is not picked up soon is stale
const SKIPPED_TYPES = new Set(["password", "hidden", "file", "submit", "button", "reset", "image"]);
const SECRET_NAME = /csrf|token|password|passcode|secret|totp/i;

function keyFor(path) {
  return PREFIX + path;
}

function pageForms() {
  return [...document.querySelectorAll("main form")];
}

function keepable(field) {
  return field.name && !field.disabled && !SKIPPED_TYPES.has(field.type)
    && !SECRET_NAME.test(field.name);
}

function snapshot() {
  const fields = [];
  pageForms().forEach((form, formIndex) => {
    [...form.elements].forEach((field, fieldIndex) => {
      if (!keepable(field)) return;
      const entry = { form: formIndex, field: fieldIndex, name: field.name, type: field.type };
      if (field.type === "radio" || field.type === "checkbox") {
        entry.checked = field.checked;
      } else if (field.type === "select-multiple") {
        entry.selected = [...field.options].filter((o) => o.selected).map((o) => o.value);
      } else {
        entry.value = field.value;
      }
      fields.push(entry);
    });
  });
  return fields;
}

function restoreField(entry) {
  const form = pageForms()[entry.form];
  const field = form && form.elements[entry.field];
  // The page is the same template in another language: a field that moved is left alone.
  if (!field || field.name !== entry.name || field.type !== entry.type) return;
  if ("checked" in entry) {
    field.checked = entry.checked;
  } else if ("selected" in entry) {
    [...field.options].forEach((o) => { o.selected = entry.selected.includes(o.value); });
  } else {
    field.value = entry.value;
  }
  // Let other modules (autosave, counters) see the value as if it were typed.
  field.dispatchEvent(new Event("input", { bubbles: true }));
  field.dispatchEvent(new Event("change", { bubbles: true }));
}

function restore() {
  const key = keyFor(location.pathname);
  let kept;
  try {
    kept = JSON.parse(sessionStorage.getItem(key) || "null");
    sessionStorage.removeItem(key);
  } catch {
    return; // storage blocked or a broken copy: nothing to put back
  }
  if (!kept || Date.now() - kept.at > MAX_AGE_MS) return;
  kept.fields.forEach(restoreField);
}

const switcher = document.querySelector("form.lang-switch");
if (switcher) {
  switcher.addEventListener("submit", () => {
    const fields = snapshot();
    if (!fields.length) return;
    try {
      sessionStorage.setItem(keyFor(location.pathname), JSON.stringify({ at: Date.now(), fields }));
    } catch {
      // Storage full or blocked: the switch still works, as it did before.
    }
  });
}
restore();
