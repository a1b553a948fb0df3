// The print view's button: the browser's own print dialog (no inline script on the page).
for (const button of document.querySelectorAll("[data-print]")) {
  button.addEventListener("click", () => window.print());
}
