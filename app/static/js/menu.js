// The signed-in menu on a narrow screen: folded behind the "Menu" button. Without this
// module the button stays hidden and the menu is simply shown (it wraps), so the menu
// never depends on script. The stylesheet hides the menu only while the button is shown
// with aria-expanded="false", and shows the button only below 40rem.

const button = document.querySelector(".menu-button");
const menu = button && document.getElementById(button.getAttribute("aria-controls"));

function setOpen(open) {
  button.setAttribute("aria-expanded", String(open));
}

if (button && menu) {
  setOpen(false);
  button.hidden = false;
  button.addEventListener("click", () => {
    setOpen(button.getAttribute("aria-expanded") !== "true");
  });
  // Escape folds an open menu and puts the focus back on its button (WAI-ARIA
  // disclosure pattern), so a keyboard user is never left inside a hidden menu.
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && button.getAttribute("aria-expanded") === "true") {
      setOpen(false);
      button.focus();
    }
  });
}
