// The VR exposure page: builds the scene, steps through its levels and saves each SUDS
// rating (0-100) to the server at once. A reload continues the open session.
import { SCENES, webglAvailable } from "./scenes.js";

const page = document.getElementById("vr");
const $ = (name) => page.querySelector(`[data-vr-${name}]`);
const count = Number(page.dataset.levels);
// The therapist's starting level for this scene (1 if none); the session's reply decides.
const state = { session: null, level: 0, phase: "before", setLevel: null, scene: null,
  opening: null, start: Math.min(count, Math.max(1, Number(page.dataset.startLevel) || 1)) };

async function post(url, body) {
  const response = await fetch(url, {
    method: "POST", credentials: "same-origin",
    headers: { "Content-Type": "application/json", Accept: "application/json",
      "X-CSRFToken": page.dataset.csrf },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(String(response.status));
  return response.json();
}

function buildScene() {
  const scene = document.createElement("a-scene");
  scene.setAttribute("embedded", "");
  scene.setAttribute("vr-mode-ui", "enabled: true");
  scene.setAttribute("device-orientation-permission-ui", "enabled: true");
  scene.setAttribute("loading-screen", "enabled: false");
  const setLevel = SCENES[page.dataset.scene](scene);
  setLevel(state.start, count);  // the first level shows while the patient rates "before"
  $("stage").appendChild(scene);
  state.scene = scene;
  return setLevel;
}

function stopScene() {  // leaving the scene is always possible, at once
  const scene = state.scene;
  state.scene = null;
  if (!scene) return;
  if (scene.is && scene.is("vr-mode")) scene.exitVR();
  scene.remove();
  $("stage").hidden = true;
}

function show() {
  const question = $("question");
  question.textContent = question.dataset[state.phase];
  $("level").textContent = state.phase === "during"
    ? page.dataset.levelText.replace("{n}", state.level).replace("{count}", count) : "";
  page.querySelectorAll("[data-level]").forEach((item) => {
    item.classList.toggle("vr-current", state.phase === "during" && Number(item.dataset.level) === state.level);
  });
  if (state.setLevel && state.phase === "during") state.setLevel(state.level, count);
  page.dataset.level = String(state.level);
  page.dataset.phase = state.phase;
}

function afterSave() {
  const next = $("next");
  const finish = $("finish");
  if (state.phase === "before") {
    state.phase = "during";
    state.level = state.start;
  } else if (state.phase === "during") {
    next.hidden = state.level >= count;
    finish.hidden = false;
    return;
  } else {
    $("save").hidden = true;
    finish.hidden = true;
    $("done").hidden = false;
    post(page.dataset.endUrl, { session: state.session }).catch(() => {});
  }
  next.hidden = true;
  show();
}

async function save(event) {
  event.preventDefault();
  const suds = Number($("suds").value);
  const status = $("status");
  const button = $("save");
  if (button.disabled) return;  // one rating at a time: a double tap saves once
  button.disabled = true;
  status.textContent = page.dataset.saving;
  try {
    // A patient can rate before the session reply arrives (a slow phone): wait for it
    // rather than lose the rating.
    if (!state.session) await (state.opening ?? openSession());
    await post(page.dataset.rateUrl, { session: state.session, level: state.level,
      phase: state.phase, suds, at: new Date().toISOString() });
    status.textContent = page.dataset.saved.replace("{suds}", suds);
    afterSave();
  } catch {
    status.textContent = page.dataset.failed;
  } finally {
    button.disabled = false;
  }
}

function toAfter() {
  stopScene();
  state.phase = "after";
  $("next").hidden = true;
  $("finish").hidden = true;
  $("save").hidden = false;
  show();
  $("suds").focus();
}

function resume(reply) {  // where the open session left off
  state.session = reply.session;
  page.dataset.session = String(reply.session);
  state.start = Math.min(count, Math.max(1, reply.start_level || 1));
  if (state.setLevel && state.phase === "before") state.setLevel(state.start, count);
  const rated = reply.ratings;
  if (rated.some((r) => r.phase === "before")) {
    state.phase = "during";
    state.level = Math.max(state.start, reply.highest_level);
  }
  show();
  if (rated.some((r) => r.phase === "during" && r.level === state.level)) afterSave();
}

async function start() {
  const suds = $("suds");
  suds.addEventListener("input", () => { $("suds-value").textContent = suds.value; });
  $("panel").addEventListener("submit", save);
  $("stop").addEventListener("click", toAfter);
  $("finish").addEventListener("click", toAfter);
  $("next").addEventListener("click", () => {
    state.level = Math.min(count, state.level + 1);
    $("next").hidden = true;
    $("status").textContent = "";
    show();
  });
  if (!webglAvailable() || !window.AFRAME) {
    page.querySelector("[data-vr-unsupported]").hidden = false;
    $("stage").hidden = true;
  } else {
    state.setLevel = buildScene();
  }
  try {
    await openSession();
  } catch {
    $("status").textContent = page.dataset.failed;
  }
}

function openSession() {
  state.opening = post(page.dataset.sessionUrl, {}).then(resume)
    .finally(() => { state.opening = null; });
  return state.opening;
}

start();
