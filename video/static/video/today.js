// Keeps the caseload page's "Video appointments today" panel current, so that a
// therapist sees at once that a patient is waiting.

const REFRESH_MS = 15000;
const panel = document.getElementById("video-today");

async function refresh() {
  if (document.hidden) return;
  try {
    const response = await fetch(panel.dataset.refreshUrl, {
      credentials: "same-origin",
      // Without it the server answers the whole page, as for a visitor who opens the URL.
      headers: { "X-Stepcare-Fragment": "1" },
    });
    if (!response.ok || response.redirected) return;
    const fresh = new DOMParser().parseFromString(await response.text(), "text/html");
    const body = fresh.querySelector(".video-today-body");
    // Replace the contents, not the live region itself, so that screen readers announce it.
    if (body) panel.querySelector(".video-today-body").replaceChildren(...body.childNodes);
  } catch (error) {
    // Offline for a moment: the next refresh catches up.
  }
}

if (panel) {
  setInterval(refresh, REFRESH_MS);
  document.addEventListener("visibilitychange", refresh);
}
