// The live control page: on-air state and figures from the status the
// live pushes once a second (SSE "live"), its events, the programme
// picture a few times a second, and the buttons, which queue the same
// commands as the keys in the terminal. No stream key ever reaches it:
// the status carries the ingests' addresses without it.
"use strict";

const PREVIEW_EVERY_MS = 333;
const $ = (id) => document.getElementById(id);
let ended = false;

function clock(ms) {
  const s = Math.floor(ms / 1000);
  const two = (n) => String(n).padStart(2, "0");
  return `${two(Math.floor(s / 3600))}:${two(Math.floor(s / 60) % 60)}:${two(s % 60)}`;
}

function bytes(n) {
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)} GB`;
  return `${(n / 1e6).toFixed(1)} MB`;
}

function known(value, text) {
  return value === null || value === undefined ? "–" : text;
}

function showOutputs(outputs) {
  const box = $("outputs");
  box.replaceChildren(...outputs.map((o) => {
    let state = o.state;
    if (o.state === "live") state = `${dk.t("live.live", "live")} ${(o.bitrate / 1e6).toFixed(1)} Mb/s`;
    if (o.state === "retrying") state = `${dk.t("live.down", "down, retry in")} ${(o.retry_in_ms / 1000).toFixed(1)} s`;
    const notes = [];
    if (o.reconnects) notes.push(`${o.reconnects} ${dk.t("live.reconnects", "reconnects")}`);
    if (o.outage_ms) notes.push(`${dk.t("live.outage", "down")} ${(o.outage_ms / 1000).toFixed(1)} s`);
    if (o.dropped_frames) notes.push(`${o.dropped_frames} ${dk.t("live.dropped", "dropped")}`);
    return dk.element("div", { class: "output", "data-name": o.name },
      dk.element("strong", {}, o.name), " ",
      dk.element("span", { class: `state-${o.state}` }, state),
      dk.element("div", { class: "muted" }, o.where),
      notes.length ? dk.element("div", { class: "muted" }, notes.join(", ")) : null);
  }));
}

function showMeter(levels) {
  const bars = $("meter").querySelectorAll("span");
  levels = levels || [null, null];
  bars.forEach((bar, i) => {
    const db = levels[i];
    // -60 dBFS and below: empty; 0 dBFS: full
    const width = db === null ? 0 : Math.max(0, Math.min(100, (db + 60) / 60 * 100));
    bar.style.width = `${width}%`;
    bar.classList.toggle("hot", db !== null && db > -3);
  });
  $("db").textContent = levels[0] === null ? "" : `${levels[0]} / ${levels[1]} dBFS`;
}

function setPressed(id, on) {
  $(id).setAttribute("aria-pressed", on ? "true" : "false");
}

function showStatus(s) {
  if (!s || s.type !== "status") return;
  const air = $("air");
  const onAir = s.on_air;
  air.textContent = onAir ? dk.t("live.on_air", "ON AIR")
    : s.outputs.length ? dk.t("live.off_air", "Off air") : dk.t("live.recording_only", "Recording only");
  air.className = `air ${onAir ? "on" : "off"}`;
  $("uptime").textContent = clock(s.uptime_ms);
  $("fps").textContent = known(s.encoder_fps, `${s.encoder_fps} fps, ${s.frames} frames`);
  $("cpu").textContent = known(s.cpu_percent, `${s.cpu_percent} %`);
  $("dropped").textContent = String(s.dropped_frames + s.outputs.reduce((n, o) => n + o.dropped_frames, 0));
  $("recording").textContent = s.recording ? bytes(s.recording_bytes) : dk.t("live.not_recording", "not recording");
  $("disk").textContent = s.free_disk_bytes ? bytes(s.free_disk_bytes) : "–";
  $("outage").textContent = known(s.outage_ms, `${((s.outage_ms || 0) / 1000).toFixed(1)} s`);
  showMeter(s.audio_level_db);
  setPressed("lower-third", s.lower_third);
  setPressed("slate", s.slate);
  setPressed("clock", s.clock);
  showOutputs(s.outputs);
}

function showEvent(e) {
  const list = $("events");
  const line = `${clock(e.uptime_ms)} ${e.subject ? e.subject + ": " : ""}${e.message}`;
  list.prepend(dk.element("li", { class: e.level }, line));
  while (list.children.length > 50) list.lastChild.remove();
}

function showEnded() {
  ended = true;
  $("air").textContent = dk.t("live.ended", "The live has ended");
  $("air").className = "air off";
  document.querySelectorAll(".controls button").forEach((b) => (b.disabled = true));
}

async function command(name, value) {
  try {
    await dk.post("/api/live/command", { command: name, value });
  } catch (error) {
    dk.notice(error.message, true);
  }
}

// One picture at a time: the next is asked for once this one arrived, so
// a slow phone never piles up requests.
function refreshPreview() {
  if (ended) return;
  const img = $("preview");
  const next = new Image();
  next.onload = () => {
    img.src = next.src;
    setTimeout(refreshPreview, PREVIEW_EVERY_MS);
  };
  next.onerror = () => setTimeout(refreshPreview, 1000);
  next.src = `/api/live/preview.jpg?t=${Date.now()}`;
}

for (const button of document.querySelectorAll("[data-command]"))
  button.addEventListener("click", () => command(button.dataset.command, "toggle"));
$("stop").addEventListener("click", () => $("confirm-stop").showModal());
$("stop-cancel").addEventListener("click", () => $("confirm-stop").close());
$("stop-confirm").addEventListener("click", async () => {
  $("confirm-stop").close();
  await command("stop");
});

dk.events({ live: showStatus, "live-event": showEvent, "live-ended": showEnded });
dk.get("/api/live/status").then(showStatus).catch((error) => dk.notice(error.message, true));
refreshPreview();
