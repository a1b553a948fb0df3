// The video consultation page: camera, the waiting room, and one peer connection.
//
// Roles: the therapist's tab always makes the offers (first contact and ICE
// restarts), the patient's tab answers, so the two never collide. Every tab has
// a session token; when the other side's token changes (reload, second tab),
// the connection is rebuilt from scratch.

import { gatheringSettled } from "./ice.js";
import { Room } from "./room.js";

const root = document.getElementById("video-call");
const data = root.dataset;
const role = data.role;
const isTherapist = role === "therapist";
const $ = (id) => document.getElementById(id);
const ui = {
  status: $("call-status"),
  connection: $("call-connection"),
  remote: $("remote-video"),
  local: $("local-video"),
  admit: $("call-admit"),
  mute: $("call-mute"),
  camera: $("call-camera"),
  hangUp: $("call-hang-up"),
  after: $("call-after"),
  play: $("call-play"),
  detailConnection: $("detail-connection"),
  detailDtls: $("detail-dtls"),
  detailFrames: $("detail-frames"),
};

const RESTART_AFTER_MS = 2500;   // a "disconnected" blip often heals by itself
const RETRY_OFFER_MS = 6000;
// Wait this long for ICE gathering before sending an offer or answer: host candidates
// (and usually STUN's) then travel inside it, saving a message each; slower ones trickle.
const GATHER_MS = 300;

let localStream = null;
let iceServers = [];
let pc = null;
let peerSession = null;          // the other tab this connection belongs to
let pendingCandidates = [];
let sending = Promise.resolve();  // messages leave in order: an offer before its candidates
let restartTimer = null;
let offerTimer = null;
let reportedConnected = false;
let finished = false;

// Milestones for the benchmarks (bench/video_first_frame.py), in the Performance timeline.
const marked = new Set();
const mark = (name) => {
  if (!marked.has(name)) performance.mark(`stepcare:${name}`);
  marked.add(name);
};

const room = new Room({
  urls: {
    join: data.joinUrl, poll: data.pollUrl, signal: data.signalUrl, leave: data.leaveUrl,
  },
  csrf: data.csrf,
  onState: applyState,
  onMessage: handleMessage,
  onProblem: showProblem,
});

// --- media ------------------------------------------------------------------------------

async function startMedia() {
  ui.status.textContent = data.msgStarting;
  const attempts = [{ video: { width: 640, height: 480 }, audio: true }, { audio: true }];
  for (const constraints of attempts) {
    try {
      localStream = await navigator.mediaDevices.getUserMedia(constraints);
      break;
    } catch (error) {
      if (error.name === "NotAllowedError") {
        showConnection(data.msgBlocked);
        return;
      }
    }
  }
  if (!localStream) {
    showConnection(data.msgNoMedia);
    return;
  }
  ui.local.srcObject = localStream;
  if (!localStream.getVideoTracks().length) showConnection(data.msgNoCamera);
  ui.mute.disabled = !localStream.getAudioTracks().length;
  ui.camera.disabled = !localStream.getVideoTracks().length;
}

function toggle(kind, button, offLabel, onLabel) {
  const tracks = kind === "audio" ? localStream.getAudioTracks() : localStream.getVideoTracks();
  const turnOff = button.getAttribute("aria-pressed") !== "true";
  tracks.forEach((track) => { track.enabled = !turnOff; });
  button.setAttribute("aria-pressed", String(turnOff));
  button.textContent = turnOff ? onLabel : offLabel;
}

// --- room state ---------------------------------------------------------------------------

function applyState(state) {
  if (state.live) mark("live");
  ui.status.textContent = state.message;
  if (ui.admit) ui.admit.hidden = !state.can_admit;
  ui.hangUp.disabled = false;
  ui.hangUp.textContent = state.live ? data.msgHangUp : data.msgLeave;
  if (state.finished) return finish(state.message);
  if (!state.live || !state.peer_present) {
    closePeer();
    return;
  }
  if (state.peer_session !== peerSession) {
    closePeer();
    peerSession = state.peer_session;
    if (isTherapist) offer();
  } else if (state.status === "admitted" && pc && pc.connectionState === "connected") {
    // The server saw one of us go and come back while the media kept flowing: tell it
    // the call is on again, so that its time is counted.
    room.action(data.connectedUrl);
  }
}

function finish(message) {
  if (finished) return;
  finished = true;
  room.stop();
  closePeer();
  if (localStream) localStream.getTracks().forEach((track) => track.stop());
  ui.status.textContent = message;
  ui.connection.textContent = "";
  [ui.mute, ui.camera, ui.hangUp].forEach((button) => { button.disabled = true; });
  if (ui.admit) ui.admit.hidden = true;
  ui.after.hidden = false;
}

function showProblem(problem) {
  if (problem === null) {
    if (!pc || pc.connectionState !== "connected") showConnection(data.msgWaiting);
    return;
  }
  const messages = {
    offline: data.msgOffline,
    replaced: data.msgReplaced,
    "signed-out": data.msgSignedOut,
    gone: data.msgClosed,
  };
  if (problem === "offline") showConnection(messages.offline);
  else finish(messages[problem]);
}

function showConnection(text) {
  ui.connection.textContent = text;
}

// --- the peer connection -------------------------------------------------------------------

function newPeer() {
  const connection = new RTCPeerConnection({ iceServers });
  connection.ontrack = (event) => {
    if (ui.remote.srcObject !== event.streams[0]) {
      ui.remote.srcObject = event.streams[0] || new MediaStream([event.track]);
      // A browser may refuse to play sound before a click on this page: offer the click.
      ui.remote.play().catch(() => { ui.play.hidden = false; });
    }
  };
  connection.onicecandidate = (event) => {
    // Before the description is sent, a candidate is part of it; afterwards it trickles.
    if (event.candidate && event.candidate.candidate && connection.described) {
      send({ type: "candidate", ...event.candidate.toJSON() });
    }
  };
  connection.onconnectionstatechange = () => onConnectionState(connection);
  const tracks = localStream ? localStream.getTracks() : [];
  tracks.forEach((track) => connection.addTrack(track, localStream));
  // Receive both kinds even when this side has no camera or microphone.
  for (const kind of ["audio", "video"]) {
    if (!tracks.some((track) => track.kind === kind)) {
      connection.addTransceiver(kind, { direction: "recvonly" });
    }
  }
  reportedConnected = false;
  return connection;
}

function closePeer() {
  clearTimeout(restartTimer);
  clearTimeout(offerTimer);
  if (pc) {
    pc.onconnectionstatechange = null;
    pc.close();
  }
  pc = null;
  peerSession = null;
  pendingCandidates = [];
  ui.remote.srcObject = null;
}

function send(message) {
  const to = peerSession;
  sending = sending.then(() => room.send(message, to));
  return sending;
}

// Set a local description and send it once gathering settles (or GATHER_MS passes).
async function describe(connection, description) {
  connection.described = false;
  await connection.setLocalDescription(description);
  await gatheringSettled(connection, GATHER_MS);
  if (connection !== pc) return false;
  connection.described = true;  // in the same turn as reading the SDP: no candidate slips by
  send({ type: connection.localDescription.type, sdp: connection.localDescription.sdp });
  return true;
}

async function offer({ iceRestart = false } = {}) {
  if (!peerSession) return;
  if (!pc) pc = newPeer();
  const connection = pc;
  if (connection.signalingState === "have-local-offer") {
    await connection.setLocalDescription({ type: "rollback" });
  }
  if (iceRestart) connection.setConfiguration({ iceServers: await fetchIceServers() });
  const description = await connection.createOffer({ iceRestart });
  if (connection !== pc || !(await describe(connection, description))) return;
  mark("offer-sent");
  clearTimeout(offerTimer);
  // An offer can be lost (the other tab reloaded at that moment): offer again.
  offerTimer = setTimeout(() => {
    if (pc === connection && connection.connectionState !== "connected") offer({ iceRestart });
  }, RETRY_OFFER_MS);
}

function asCandidate(message) {
  const candidate = {
    candidate: message.candidate, sdpMid: message.sdpMid, sdpMLineIndex: message.sdpMLineIndex,
  };
  // The fragment ties a candidate to one ICE generation, so stale ones are ignored.
  if (message.usernameFragment) candidate.usernameFragment = message.usernameFragment;
  return candidate;
}

async function handleMessage(message) {
  if (message.type === "offer") return onOffer(message);
  if (message.type === "candidate" && !pc) {
    pendingCandidates.push(asCandidate(message));  // ahead of its offer: kept for it
    return;
  }
  if (!pc) return;
  if (message.type === "answer" && pc.signalingState === "have-local-offer") {
    mark("answer-received");
    await pc.setRemoteDescription({ type: "answer", sdp: message.sdp });
    await flushCandidates();
  } else if (message.type === "candidate") {
    const candidate = asCandidate(message);
    if (pc.remoteDescription) await addCandidate(candidate);
    else pendingCandidates.push(candidate);
  } else if (message.type === "restart" && isTherapist) {
    restartIce();
  } else if (message.type === "bye") {
    closePeer();
  }
}

// Each peer connection has its own DTLS certificate: an offer with another fingerprint
// comes from a new connection on the therapist's side (after they lost us), not a restart.
const fingerprint = (sdp) => (sdp.match(/a=fingerprint:(\S+ \S+)/) || [])[1];

async function onOffer(message) {
  if (isTherapist) return;
  const state = room.state;
  if (!state || !state.peer_session) return;
  const fresh = pc && pc.remoteDescription
    && fingerprint(pc.remoteDescription.sdp) !== fingerprint(message.sdp);
  if (!pc || fresh || peerSession !== state.peer_session) {
    const early = pc ? [] : pendingCandidates;  // candidates that came before this offer
    closePeer();
    peerSession = state.peer_session;
    pc = newPeer();
    pendingCandidates = early;
  }
  mark("offer-received");
  const connection = pc;
  await connection.setRemoteDescription({ type: "offer", sdp: message.sdp });
  await flushCandidates();
  if (await describe(connection, await connection.createAnswer())) mark("answer-sent");
}

async function addCandidate(candidate) {
  try {
    await pc.addIceCandidate(candidate);
  } catch (error) {
    // A candidate from before an ICE restart no longer fits: harmless.
  }
}

async function flushCandidates() {
  const waiting = pendingCandidates;
  pendingCandidates = [];
  for (const candidate of waiting) await addCandidate(candidate);
}

// --- reconnecting ---------------------------------------------------------------------------

function onConnectionState(connection) {
  if (connection !== pc) return;
  const state = connection.connectionState;
  ui.detailConnection.textContent = state;
  if (state === "connected") {
    mark("connected");
    clearTimeout(restartTimer);
    clearTimeout(offerTimer);
    showConnection(data.msgConnected);
    if (!reportedConnected) {
      reportedConnected = true;
      room.action(data.connectedUrl);
    }
  } else if (state === "disconnected") {
    reportedConnected = false;
    showConnection(data.msgReconnecting);
    clearTimeout(restartTimer);
    restartTimer = setTimeout(() => {
      if (pc === connection && connection.connectionState !== "connected") connectionLost();
    }, RESTART_AFTER_MS);
  } else if (state === "failed") {
    reportedConnected = false;
    connectionLost();
  } else if (state === "connecting" || state === "new") {
    showConnection(data.msgConnecting);
  }
}

// The media path broke (network change, Wi-Fi drop): restart ICE on the same
// connection. The therapist's side makes the new offer; the patient's side asks for it.
function connectionLost() {
  if (!pc || finished) return;
  showConnection(data.msgReconnecting);
  restartIce();
  clearTimeout(restartTimer);
  restartTimer = setTimeout(() => {
    if (!pc) return;
    // A restart that succeeded without the state ever leaving "connected" fires no event.
    if (pc.connectionState === "connected") showConnection(data.msgConnected);
    else connectionLost();
  }, RESTART_AFTER_MS);
}

function restartIce() {
  if (isTherapist) offer({ iceRestart: true });
  else send({ type: "restart" });
}

async function fetchIceServers() {
  try {
    const response = await fetch(data.iceUrl, { credentials: "same-origin" });
    if (response.ok) return (await response.json()).iceServers;
  } catch (error) {
    // Keep the servers we have; fresh TURN credentials only matter for new allocations.
  }
  return iceServers;
}

// --- statistics: shown under "Connection details", and read by the browser tests ----------

async function stats() {
  const result = { framesDecoded: 0, dtlsState: null, connectionState: pc ? pc.connectionState : "closed" };
  if (!pc) return result;
  const report = await pc.getStats();
  report.forEach((entry) => {
    if (entry.type === "inbound-rtp" && entry.kind === "video") result.framesDecoded += entry.framesDecoded || 0;
    if (entry.type === "transport" && entry.dtlsState) result.dtlsState = entry.dtlsState;
  });
  return result;
}

async function showStats() {
  if (!pc) return;
  const current = await stats();
  ui.detailDtls.textContent = current.dtlsState === "connected" ? data.msgEncrypted : (current.dtlsState || "–");
  ui.detailFrames.textContent = data.msgFrames.replace("%(count)s", current.framesDecoded);
}

// --- controls and start ---------------------------------------------------------------------

ui.mute.addEventListener("click", () => toggle("audio", ui.mute, data.msgMute, data.msgUnmute));
ui.camera.addEventListener("click", () => toggle("video", ui.camera, data.msgCameraOff, data.msgCameraOn));
if (ui.admit) {
  ui.admit.addEventListener("click", async () => {
    ui.admit.disabled = true;
    await room.action(data.admitUrl);
    ui.admit.disabled = false;
  });
}
ui.hangUp.addEventListener("click", async () => {
  ui.hangUp.disabled = true;
  if (room.state && room.state.live) {
    if (peerSession) await send({ type: "bye" });
    await room.action(data.hangUpUrl);
  } else {
    await room.action(data.leaveUrl);
    finish(data.msgLeft);
  }
});
ui.play.addEventListener("click", () => {
  ui.remote.play().then(() => { ui.play.hidden = true; }).catch(() => {});
});
window.addEventListener("pagehide", () => room.leaveOnUnload());
setInterval(showStats, 2000);

async function start() {
  await startMedia();
  iceServers = await fetchIceServers();
  const joined = await room.join().catch(() => ({ ok: false, data: {} }));
  if (!joined.ok) {
    finish((joined.data.state && joined.data.state.message) || data.msgClosed);
    return;
  }
  room.listen();
}

start();
