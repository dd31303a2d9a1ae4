// The queue page: every job with its state, progress, speed, attempts, last
// error and where it went; Retry and Cancel; deferred jobs with the time
// they resume and why. Reloaded when the server's "queue" event says the
// jobs changed.
"use strict";

const seen = new Map(); // job id -> { confirmed, at } for the speed

function baseName(path) {
  return path ? path.split("/").pop() : "";
}

function size(bytes) {
  const units = ["B", "KB", "MB", "GB", "TB"];
  let value = bytes, unit = 0;
  while (value >= 1000 && unit < units.length - 1) { value /= 1000; unit++; }
  return `${value.toFixed(unit ? 1 : 0)} ${units[unit]}`;
}

function localTime(unixSeconds) {
  return new Date(unixSeconds * 1000).toLocaleString();
}

function speed(job) {
  const now = Date.now() / 1000;
  const before = seen.get(job.id);
  seen.set(job.id, { confirmed: job.confirmed, at: now });
  if (!before || job.state !== "running" || now <= before.at) return null;
  const rate = (job.confirmed - before.confirmed) / (now - before.at);
  return rate > 0 ? `${size(rate)}/s` : null;
}

function note(job) {
  if (job.state === "deferred") {
    const why = job.last_error || "";
    return `${dk.t("queue.resumes", "resumes")} ${localTime(job.not_before)}: ${why}`;
  }
  if (job.state === "failed" || job.state === "cancelled") return job.last_error || job.note || "";
  return job.note || "";
}

async function act(job, action) {
  const params = { id: job.id, name: baseName(job.source || job.path) };
  const question = action === "retry"
    ? dk.t("queue.confirm_retry", "Send job {id} ({name}) again?", params)
    : dk.t("queue.confirm_cancel", "Cancel job {id} ({name})?", params);
  if (!window.confirm(question)) return;
  try {
    const reply = await dk.post(`/api/queue/${action}`, { id: job.id });
    dk.notice(`${dk.t("queue.job", "Job")} ${reply.id}: ${reply.state}`);
    await load();
  } catch (error) {
    dk.notice(error.message, true);
  }
}

function row(job) {
  const e = dk.element;
  const percent = job.size > 0 ? Math.min(100, Math.round((job.confirmed * 100) / job.size)) : job.progress || 0;
  const figures = [
    `${job.kind} · ${job.plugin}`,
    job.size > 0 ? `${size(job.confirmed)} / ${size(job.size)}` : null,
    speed(job),
    `${dk.t("queue.attempts", "attempts")} ${job.attempts}`,
    job.remote_id ? `→ ${job.remote_id}` : job.target ? `→ ${job.target}` : null,
    job.machine ? `@ ${job.machine}` : null,
  ].filter(Boolean).join(" · ");
  const canRetry = ["failed", "cancelled", "deferred"].includes(job.state);
  const canCancel = ["queued", "running", "deferred"].includes(job.state);
  return e("div", { class: "job", "data-id": job.id, "data-state": job.state },
    e("span", { class: "id" }, `#${job.id}`),
    e("span", { class: `state state-${job.state}` }, job.state),
    e("span", { class: "file", title: job.source || job.path || "" }, baseName(job.source || job.path)),
    e("div", { class: "meta muted" }, figures,
      job.state === "running" ? e("div", { class: "bar" }, e("span", { style: `width:${percent}%` })) : null),
    e("div", { class: "note" }, note(job)),
    e("div", { class: "actions" },
      canRetry ? e("button", { class: "retry", onclick: () => act(job, "retry") }, dk.t("queue.retry", "Retry")) : null,
      canCancel ? e("button", { class: "cancel", onclick: () => act(job, "cancel") }, dk.t("queue.cancel", "Cancel")) : null));
}

async function load() {
  try {
    const jobs = await dk.get("/api/queue");
    const list = document.getElementById("jobs");
    list.replaceChildren(...jobs.map(row));
    const counts = {};
    for (const job of jobs) counts[job.state] = (counts[job.state] || 0) + 1;
    const summary = Object.entries(counts).map(([state, n]) => `${n} ${state}`).join(", ");
    document.getElementById("summary").textContent =
      jobs.length ? summary : dk.t("queue.empty", "Nothing queued in this library yet.");
  } catch (error) {
    dk.notice(error.message, true);
  }
}

load();
dk.events({ queue: () => load() });
