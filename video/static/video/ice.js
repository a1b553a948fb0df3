// ICE gathering, shared by the consultation (call.js) and the pre-call test (precall.js).

// Resolves when the connection has gathered all its candidates, or after `ms`,
// whichever comes first; at once if gathering is already complete.
export async function gatheringSettled(connection, ms) {
  if (connection.iceGatheringState === "complete") return;
  await new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    connection.addEventListener("icegatheringstatechange", () => {
      if (connection.iceGatheringState === "complete") {
        clearTimeout(timer);
        resolve();
      }
    });
  });
}
