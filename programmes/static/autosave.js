// Saves each exercise to the server while the patient types: a few seconds after the
// last keystroke, and whenever they leave a field. Nothing is ever written to browser
// storage. If a save fails, the text stays in the page and the next change retries.

const SAVE_DELAY_MS = 2000;

// After signing in again in another tab, this page's CSRF tokens are stale; the server
// then answers with the current token, which every form on the page takes.
function refreshTokens(token) {
  document.querySelectorAll('input[name="csrf_token"]').forEach((input) => {
    input.value = token;
  });
}

// What the patient wrote holds risk language: crisis help at once, just below what
// they wrote, so that it is seen without losing their place.
function showCrisisHelp(form) {
  const help = document.querySelector("[data-crisis-now]");
  if (!help) return;
  form.after(help);
  help.hidden = false;
  help.scrollIntoView({ block: "nearest" });
}

function setupAutosave(form) {
  const status = form.querySelector("[data-save-status]");
  let timer = null;
  let dirty = false;
  let inFlight = null;
  let retry = false;

  function show(message, failed) {
    status.textContent = message;
    status.classList.toggle("save-failed", Boolean(failed));
  }

  async function save(retried = false) {
    clearTimeout(timer);
    if (!dirty) return;
    if (inFlight) {
      await inFlight;
      return save();
    }
    dirty = false;
    show(status.dataset.saving, false);
    inFlight = fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      headers: { Accept: "application/json" },
      credentials: "same-origin",
      redirect: "manual",
    })
      .then(async (response) => {
        if (response.type === "opaqueredirect" || response.status === 401) {
          dirty = true;
          show(status.dataset.signedOut, true);
          return;
        }
        const body = await response.json().catch(() => ({}));
        if (!response.ok) dirty = true;
        if (response.status === 400 && body.csrf_token && !retried) {
          refreshTokens(body.csrf_token);
          retry = true;
          return;
        }
        show(body.message || status.dataset.failed, !response.ok);
        if (body.crisis) showCrisisHelp(form);
      })
      .catch(() => {
        dirty = true;
        show(status.dataset.failed, true);
      })
      .finally(() => {
        inFlight = null;
      });
    await inFlight;
    if (retry) {
      retry = false;
      await save(true);
    }
  }

  form.addEventListener("input", () => {
    dirty = true;
    clearTimeout(timer);
    timer = setTimeout(save, SAVE_DELAY_MS);
  });
  form.addEventListener("change", () => {
    dirty = true;
    save();
  });
  form.addEventListener("focusout", () => {
    if (dirty) save();
  });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    dirty = true;
    save();
  });
  // Leaving the page saves what is left.
  window.addEventListener("pagehide", () => {
    if (dirty) navigator.sendBeacon(form.action, new FormData(form));
  });
  // A module script runs once the page has been parsed: on a slow phone the patient
  // may already have typed by then, with no listener to hear it.
  if (changedBeforeReady(form)) {
    dirty = true;
    timer = setTimeout(save, SAVE_DELAY_MS);
  }
}

function changedBeforeReady(form) {
  return Array.from(form.elements).some((field) => {
    if (field.type === "radio" || field.type === "checkbox") {
      return field.checked !== field.defaultChecked;
    }
    if (field.tagName === "TEXTAREA" || field.type === "text" || field.type === "number") {
      return field.value !== field.defaultValue;
    }
    return false;
  });
}

document.querySelectorAll("form[data-autosave]").forEach(setupAutosave);
