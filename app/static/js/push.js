// Turns on push reminders for this device from the account page: asks the browser for
// permission, subscribes with the server's VAPID public key and posts the subscription
// (its endpoint and public keys only) with the CSRF token. Stores nothing in the browser.

const box = document.getElementById("push-this-device");
const button = document.getElementById("push-enable");
const status = document.getElementById("push-status");

function say(kind, extra) {
  status.textContent = extra || status.dataset[kind];
}

function keyBytes(base64url) {
  const base64 = base64url.replace(/-/g, "+").replace(/_/g, "/");
  const raw = atob(base64 + "=".repeat((4 - (base64.length % 4)) % 4));
  return Uint8Array.from(raw, (c) => c.charCodeAt(0));
}

function csrfToken() {
  const input = document.querySelector("#push input[name=csrf_token]");
  return input ? input.value : "";
}

async function turnOn() {
  button.disabled = true;
  try {
    const permission = await Notification.requestPermission();
    if (permission !== "granted") {
      say("denied");
      return;
    }
    const registration = await navigator.serviceWorker.register("/sw.js", { scope: "/" });
    await navigator.serviceWorker.ready;
    const subscription = await registration.pushManager.subscribe({
      userVisibleOnly: true,
      applicationServerKey: keyBytes(box.dataset.publicKey),
    });
    const response = await fetch(box.dataset.url, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
      body: JSON.stringify(subscription.toJSON()),
    });
    if (!response.ok) {
      const answer = await response.json().catch(() => ({}));
      say("failed", answer.message);
      return;
    }
    say("done");
    window.location.reload();
  } catch (error) {
    say("failed");
  } finally {
    button.disabled = false;
  }
}

if (box && button && status) {
  if (!("serviceWorker" in navigator) || !("PushManager" in window) || !("Notification" in window)) {
    box.hidden = false;
    button.hidden = true;
    say("unsupported");
  } else {
    box.hidden = false;
    button.addEventListener("click", turnOn);
  }
}
