// Registers Stepcare's service worker (/sw.js), which keeps only the app shell and the
// offline page, never a page with patient data. Included on every page.
if ("serviceWorker" in navigator) {
  window.addEventListener("load", () => {
    navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(() => {
      // No worker (private mode, an old browser): the site works as before.
    });
  });
}
