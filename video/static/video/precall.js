// The pre-call test: camera preview, a microphone level meter, and a loopback
// through a server-side peer that sends the media straight back.

import { gatheringSettled } from "./ice.js";

const root = document.getElementById("precall");
const data = root.dataset;
const $ = (id) => document.getElementById(id);
const preview = $("precall-preview");
const echo = $("precall-echo");
const meter = $("precall-level");
const startButton = $("precall-start");
const summary = $("precall-summary");

const HEARD_LEVEL = 0.02;        // RMS level that counts as sound
const LISTEN_MS = 10000;
const GATHER_MS = 5000;
const ECHO_MS = 15000;
const KEEP_ECHO_MS = 30000;      // then the test stops by itself

let stream = null;
let pc = null;
let audio = null;
let meterTimer = null;
let stopTimer = null;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function mark(check, result, text) {
  const item = $(`check-${check}`);
  item.dataset.result = result;
  item.querySelector(".precall-mark").textContent = { ok: "✓", failed: "✗", pending: "…" }[result];
  item.querySelector(".precall-text").textContent = text;
}

function stop() {
  clearInterval(meterTimer);
  clearTimeout(stopTimer);
  if (pc) pc.close();
  pc = null;
  if (audio) audio.close();
  audio = null;
  if (stream) stream.getTracks().forEach((track) => track.stop());
  stream = null;
  preview.srcObject = null;
  echo.srcObject = null;
  meter.value = 0;
}

async function cameraWorks() {
  const track = stream.getVideoTracks()[0];
  if (!track || track.readyState !== "live") return false;
  for (let waited = 0; waited < 4000; waited += 100) {
    if (preview.videoWidth > 0) return true;
    await sleep(100);
  }
  return false;
}

// The level of the microphone, from Web Audio (started by the button press). Windows of
// about 40 ms every 40 ms, so that even a short sound is not missed.
function startMeter() {
  audio = new AudioContext();
  const analyser = audio.createAnalyser();
  analyser.fftSize = 2048;
  audio.createMediaStreamSource(stream).connect(analyser);
  const samples = new Float32Array(analyser.fftSize);
  let loudest = 0;
  meterTimer = setInterval(() => {
    analyser.getFloatTimeDomainData(samples);
    const rms = Math.sqrt(samples.reduce((sum, s) => sum + s * s, 0) / samples.length);
    // Rise at once, fall slowly: a meter people can read.
    meter.value = Math.max(Math.min(1, rms * 4), meter.value * 0.85);
    meter.textContent = meter.value.toFixed(2);
    loudest = Math.max(loudest, rms);
  }, 40);
  return () => loudest;
}

async function microphoneHeard(loudest) {
  for (let waited = 0; waited < LISTEN_MS; waited += 200) {
    if (loudest() >= HEARD_LEVEL) return true;
    await sleep(200);
  }
  return false;
}

async function framesDecoded(connection) {
  let frames = 0;
  (await connection.getStats()).forEach((entry) => {
    if (entry.type === "inbound-rtp" && entry.kind === "video") frames += entry.framesDecoded || 0;
  });
  return frames;
}

// Non-trickle: the offer goes out with all candidates, so one POST sets everything up.
async function loopback() {
  pc = new RTCPeerConnection({ iceServers: JSON.parse(data.iceServers) });
  const connection = pc;
  // Video only: the microphone is checked here by the meter, and an echoed sound would
  // only be muted; sparing the server an audio decode and encode per test.
  stream.getVideoTracks().forEach((track) => connection.addTrack(track, stream));
  connection.ontrack = (event) => {
    echo.srcObject = event.streams[0] || new MediaStream([event.track]);
  };
  await connection.setLocalDescription(await connection.createOffer());
  await gatheringSettled(connection, GATHER_MS);
  const response = await fetch(data.echoUrl, {
    method: "POST",
    credentials: "same-origin",
    headers: { "Content-Type": "application/json", "X-CSRFToken": data.csrf },
    body: JSON.stringify({ type: "offer", sdp: connection.localDescription.sdp }),
  });
  if (response.status === 503) return "busy";
  if (response.status === 429) return "too-many";
  if (!response.ok) return "failed";
  await connection.setRemoteDescription(await response.json());
  for (let waited = 0; waited < ECHO_MS; waited += 200) {
    if (connection !== pc) return "failed";
    if (await framesDecoded(connection) > 0) return "ok";
    await sleep(200);
  }
  return "failed";
}

async function run() {
  stop();
  startButton.disabled = true;
  summary.textContent = "";
  for (const check of ["camera", "microphone", "connection"]) mark(check, "pending", data.msgChecking);
  try {
    stream = await navigator.mediaDevices.getUserMedia({ video: { width: 640, height: 480 }, audio: true });
  } catch (error) {
    mark("camera", "failed", data.msgCameraFailed);
    mark("microphone", "failed", data.msgMicrophoneFailed);
    mark("connection", "failed", data.msgConnectionFailed);
    startButton.disabled = false;
    return;
  }
  preview.srcObject = stream;
  const loudest = startMeter();
  const [camera, heard, connection] = await Promise.all([
    cameraWorks(), microphoneHeard(loudest), loopback().catch(() => "failed"),
  ]);
  mark("camera", camera ? "ok" : "failed", camera ? data.msgCameraOk : data.msgCameraFailed);
  mark("microphone", heard ? "ok" : "failed", heard ? data.msgMicrophoneOk : data.msgMicrophoneSilent);
  if (connection === "busy") mark("connection", "failed", data.msgBusy);
  else if (connection === "too-many") mark("connection", "failed", data.msgTooMany);
  else mark("connection", connection, connection === "ok" ? data.msgConnectionOk : data.msgConnectionFailed);
  startButton.disabled = false;
  stopTimer = setTimeout(() => {
    stop();
    summary.textContent = data.msgDone;
  }, KEEP_ECHO_MS);
}

startButton.addEventListener("click", run);
window.addEventListener("pagehide", stop);
