// On an appointment's page: show the way into the waiting room once it opens.

const join = document.getElementById("video-join");

function update() {
  const now = Date.now();
  const opened = now >= Number(join.dataset.opensAt);
  join.querySelector(".video-join-open").hidden = !opened || now >= Number(join.dataset.closesAt);
  join.querySelector(".video-join-later").hidden = opened;
}

if (join) {
  update();
  setInterval(update, 15000);
}
