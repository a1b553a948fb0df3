// Test and benchmark tooling, never served by Stepcare: added to a page before its own
// scripts (Playwright's add_init_script), it keeps hold of the page's peer connections so
// that tests can read their statistics and play the part of a failing network.
(() => {
  const Original = window.RTCPeerConnection;
  const peers = [];
  window.RTCPeerConnection = function (...args) {
    const pc = new Original(...args);
    peers.push(pc);
    return pc;
  };
  window.RTCPeerConnection.prototype = Original.prototype;
  Object.setPrototypeOf(window.RTCPeerConnection, Original);

  const current = () => [...peers].reverse().find((pc) => pc.signalingState !== "closed") || null;

  window.peerWatch = {
    all: peers,
    get pc() { return current(); },
    // The page's live connection: video frames decoded and the DTLS transport's state.
    async stats() {
      const pc = current();
      if (!pc) return null;
      const result = { framesDecoded: 0, dtlsState: null };
      (await pc.getStats()).forEach((entry) => {
        if (entry.type === "inbound-rtp" && entry.kind === "video") result.framesDecoded += entry.framesDecoded || 0;
        if (entry.type === "transport" && entry.dtlsState) result.dtlsState = entry.dtlsState;
      });
      return result;
    },
    // What the browser reports when the network drops: the connection has failed.
    fail() {
      const pc = current();
      Object.defineProperty(pc, "connectionState", { value: "failed", configurable: true });
      pc.dispatchEvent(new Event("connectionstatechange"));
      delete pc.connectionState;
    },
  };
})();
