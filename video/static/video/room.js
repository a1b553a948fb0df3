// Signalling for one video room: POST to send, long polling to receive.
// Every request is an ordinary signed-in, CSRF-checked request; the room's
// state lives on the server, so any worker process can answer.

const POLL_WAIT_SECONDS = 15;
const MAX_BACKOFF_MS = 8000;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export class SignedOut extends Error {}

export class Room {
  constructor({ urls, csrf, onState, onMessage, onProblem }) {
    this.urls = urls;
    this.csrf = csrf;
    this.onState = onState;        // (state) => void
    this.onMessage = onMessage;    // (message) => void
    this.onProblem = onProblem;    // ("offline" | "replaced" | "signed-out" | "gone" | null) => void
    this.session = null;
    this.cursor = 0;
    this.version = -1;
    this.state = null;
    this.stopped = false;
  }

  async post(url, body, { timeoutMs = 15000 } = {}) {
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), timeoutMs);
    try {
      const response = await fetch(url, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": this.csrf },
        body: JSON.stringify(body),
        signal: abort.signal,
      });
      const type = response.headers.get("Content-Type") || "";
      if (response.redirected || !type.includes("application/json")) {
        // The login page, not our JSON: the session ended (idle timeout, logout elsewhere).
        if (response.status === 404) return { status: 404, data: {} };
        throw new SignedOut();
      }
      return { status: response.status, data: await response.json() };
    } finally {
      clearTimeout(timer);
    }
  }

  async join() {
    const { status, data } = await this.post(this.urls.join, {});
    if (status !== 200) return { ok: false, status, data };
    this.session = data.session;
    this.cursor = data.cursor;
    this.stopped = false;
    this.update(data.state);
    return { ok: true, data };
  }

  update(state) {
    if (!state) return;
    this.state = state;
    this.version = state.version;
    this.onState(state);
  }

  // Receive until stopped: returns at once when something is new, otherwise
  // after POLL_WAIT_SECONDS; network trouble backs off and tries again.
  async listen() {
    let backoff = 500;
    while (!this.stopped) {
      try {
        const { status, data } = await this.post(
          this.urls.poll,
          { session: this.session, after: this.cursor, version: this.version, wait: POLL_WAIT_SECONDS },
          { timeoutMs: (POLL_WAIT_SECONDS + 10) * 1000 },
        );
        if (this.stopped) return;
        if (status === 409) return this.stop("replaced");
        if (status === 404) return this.stop("gone");
        if (status !== 200) throw new Error(`poll answered ${status}`);
        this.onProblem(null);
        backoff = 500;
        this.cursor = data.cursor;
        this.update(data.state);
        for (const message of data.messages) await this.onMessage(message);
      } catch (error) {
        if (error instanceof SignedOut) return this.stop("signed-out");
        if (this.stopped) return;
        this.onProblem("offline");
        await sleep(backoff);
        backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
      }
    }
  }

  stop(problem = null) {
    this.stopped = true;
    if (problem) this.onProblem(problem);
  }

  // Send a signalling message to the other participant's current tab.
  async send(message, to) {
    if (!this.session || !to) return false;
    for (let attempt = 0; attempt < 4; attempt += 1) {
      try {
        const { status, data } = await this.post(this.urls.signal, { session: this.session, to, message });
        if (status === 200) return data.relayed;
        if (status === 409 && data.error === "replaced") return this.stop("replaced");
        return false;  // not admitted yet, or refused: the next state update decides
      } catch (error) {
        if (error instanceof SignedOut) return this.stop("signed-out");
        await sleep(300 * (attempt + 1));
      }
    }
    return false;
  }

  async action(url) {
    try {
      const { status, data } = await this.post(url, { session: this.session });
      if (status === 409 && data.error === "replaced") return this.stop("replaced");
      if (data.state) this.update(data.state);
      return status === 200;
    } catch (error) {
      if (error instanceof SignedOut) this.stop("signed-out");
      return false;
    }
  }

  // The tab is closing: tell the server at once (a beacon survives the unload).
  leaveOnUnload() {
    if (!this.session || this.stopped) return;
    const form = new FormData();
    form.append("csrf_token", this.csrf);
    form.append("session", this.session);
    navigator.sendBeacon(this.urls.leave, form);
    this.stopped = true;
  }
}
