// The three exposure scenes, built from A-Frame primitives (no models, no photos).
// Each builder fills an <a-scene> once and returns setLevel(level, count): level 1 is the
// easiest, ``count`` the hardest; the scene changes in place, with no reload.

const el = (tag, attrs, parent) => {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, value);
  if (parent) parent.appendChild(node);
  return node;
};

// A number from ``low`` (level 1) to ``high`` (the last level).
const graded = (level, count, low, high) =>
  Math.round(low + ((high - low) * (level - 1)) / Math.max(count - 1, 1));

// A person: body, head and legs as primitives, in one of a few coat colours.
const COATS = ["#3b5b92", "#8c3b3b", "#3b7a57", "#6b4f8c", "#a07a2c", "#555f6b"];
function person(parent, x, z, index, facing = 0) {
  const root = el("a-entity", { position: `${x} 0 ${z}`, rotation: `0 ${facing} 0` }, parent);
  const coat = COATS[index % COATS.length];
  // Few segments: the level-5 crowd at A-Frame's default detail was ~75,000 triangles, most of
  // them in heads and bodies a few pixels wide (bench/vr_frame_rate.py).
  el("a-cylinder", { radius: 0.22, height: 0.8, position: "0 1.15 0", color: coat,
    "segments-radial": 10, "segments-height": 1 }, root);
  el("a-sphere", { radius: 0.14, position: "0 1.72 0", color: "#e0b48f",
    "segments-width": 10, "segments-height": 8 }, root);
  el("a-box", { width: 0.3, height: 0.75, depth: 0.2, position: "0 0.38 0", color: "#2b2b2b" }, root);
  return root;
}

// Heights: a glass balcony on a tower; the floor rises from the 1st to the 30th.
function heights(scene) {
  const FLOOR_METRES = 3;
  el("a-sky", { color: "#9cc8ec" }, scene);
  el("a-plane", { rotation: "-90 0 0", width: 400, height: 400, color: "#6f8f5a" }, scene);
  el("a-plane", { rotation: "-90 0 0", position: "0 0.02 -8", width: 400, height: 10, color: "#4a4a4a" }, scene);
  for (let i = 0; i < 36; i += 1) {  // the town around: blocks of different heights
    const angle = (i / 36) * Math.PI * 2;
    const radius = 30 + (i % 5) * 12;
    const h = 6 + ((i * 7) % 11) * 4;
    el("a-box", { position: `${Math.cos(angle) * radius} ${h / 2} ${Math.sin(angle) * radius}`,
      width: 8, depth: 8, height: h, color: ["#c9b8a0", "#a9a9b3", "#d8cfc0"][i % 3] }, scene);
  }
  const tower = el("a-box", { width: 12, depth: 12, color: "#b7b2aa" }, scene);
  const balcony = el("a-entity", {}, scene);
  // The tower stands behind the camera (+z); the balcony juts out towards the town (-z).
  el("a-box", { width: 3, height: 0.08, depth: 2, position: "0 0 -1.2",  // the glass floor
    color: "#bfe3ff", material: "opacity: 0.35; transparent: true" }, balcony);
  for (const [x, z, w, d] of [[0, -2.2, 3, 0.04], [-1.5, -1.2, 0.04, 2], [1.5, -1.2, 0.04, 2]]) {
    el("a-box", { width: w, height: 1.1, depth: d, position: `${x} 0.55 ${z}`,
      color: "#d6efff", material: "opacity: 0.3; transparent: true" }, balcony);
  }
  el("a-box", { width: 3.1, height: 0.05, depth: 0.06, position: "0 1.12 -2.2", color: "#777" }, balcony);
  const rig = el("a-entity", { id: "rig" }, scene);
  el("a-camera", { position: "0 1.6 -0.9", "wasd-controls": "acceleration: 8" }, rig);
  return (level, count) => {
    const floor = graded(level, count, 1, 30);
    const y = floor * FLOOR_METRES;
    tower.setAttribute("height", y);
    tower.setAttribute("position", `0 ${y / 2} 6`);
    balcony.setAttribute("position", `0 ${y} 0`);
    rig.setAttribute("position", `0 ${y} 0`);
    return floor;
  };
}

// Crowd: a town square that fills up with people standing and walking.
function crowd(scene) {
  el("a-sky", { color: "#b8d4ea" }, scene);
  el("a-plane", { rotation: "-90 0 0", width: 60, height: 60, color: "#9b958a" }, scene);
  for (const [x, z, w, d] of [[0, -20, 40, 2], [0, 20, 40, 2], [-20, 0, 2, 40], [20, 0, 2, 40]]) {
    el("a-box", { position: `${x} 5 ${z}`, width: w, depth: d, height: 10, color: "#cdbfa8" }, scene);
  }
  el("a-cylinder", { position: "0 0.4 -6", radius: 1.5, height: 0.8, color: "#8a9aa5" }, scene);
  const people = el("a-entity", {}, scene);
  el("a-camera", { position: "0 1.6 0", "wasd-controls": "acceleration: 8" }, scene);
  return (level, count) => {
    const many = graded(level, count, 2, 90);
    people.replaceChildren();
    for (let i = 0; i < many; i += 1) {
      // Closer rings fill as the level rises: by the top level people stand near you.
      const ring = 1.4 + ((i * 37) % 100) / 100 * (16 - (level / count) * 10);
      const angle = i * 2.39996;
      person(people, Math.cos(angle) * ring, Math.sin(angle) * ring, i, (i * 53) % 360);
    }
    return many;
  };
}

// Speaking: a room of listeners; higher levels bring more listeners who look away,
// lean together to whisper, or look down at a phone.
function speaking(scene) {
  el("a-sky", { color: "#ddd6cc" }, scene);
  el("a-plane", { rotation: "-90 0 0", width: 20, height: 20, color: "#8b6f4e" }, scene);
  el("a-box", { position: "0 2.5 -10", width: 20, height: 5, depth: 0.2, color: "#efe9de" }, scene);
  el("a-box", { position: "0 0.5 -0.6", width: 1.2, height: 1, depth: 0.6, color: "#5c4630" }, scene);  // the lectern
  const audience = el("a-entity", {}, scene);
  el("a-camera", { position: "0 1.7 0.3", "wasd-controls": "acceleration: 4" }, scene);
  const timers = [];
  return (level, count) => {
    timers.splice(0).forEach((t) => clearInterval(t));
    audience.replaceChildren();
    const many = graded(level, count, 3, 40);
    const restless = (level - 1) / Math.max(count - 1, 1);  // 0: all attentive, 1: many not
    for (let i = 0; i < many; i += 1) {
      const row = Math.floor(i / 8);
      const x = ((i % 8) - 3.5) * 1.1;
      const z = -(3 + row * 1.4);
      const listener = person(audience, x, z, i, 0);
      el("a-box", { position: "0 0.45 -0.35", width: 0.5, height: 0.1, depth: 0.5, color: "#444" }, listener);  // a chair
      if (((i * 29) % 100) / 100 < restless) {
        const head = listener.querySelector("a-sphere");
        const away = i % 3 === 0 ? "0.12 1.62 0.1" : "-0.1 1.66 0.08";  // looks down, or leans to whisper
        timers.push(setInterval(() => {  // looks away or down, then back
          const now = head.getAttribute("position");
          head.setAttribute("position", now && now.z > 0.05 ? "0 1.72 0" : away);
          listener.setAttribute("rotation", `0 ${(i % 2 ? 25 : -25) * (Math.random() < 0.5 ? 1 : 0)} 0`);
        }, 1200 + (i % 5) * 400));
      }
    }
    return many;
  };
}

export const SCENES = { heights, crowd, speaking };

export function webglAvailable() {
  try {
    const canvas = document.createElement("canvas");
    return Boolean(window.WebGLRenderingContext
      && (canvas.getContext("webgl2") || canvas.getContext("webgl")));
  } catch {
    return false;
  }
}
