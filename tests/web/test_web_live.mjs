// The live control page in chromium during a real live against nginx-rtmp
// (tests/servers/nginx-rtmp): the page says ON AIR with the figures, the
// preview shows the programme, the lower-third button turns it on (its
// state comes back from the live) and the recording shows it (the frame's
// lower part changes between before and after, the top does not), the
// stream key is in nothing the page gets, and Stop behind its confirm
// dialog ends the live cleanly. Screenshots at phone and desktop width.
import { execFileSync, spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { check, dokpim, finish, freePort, launch, openPage, run, screenshots, servers, tmpdir } from "./lib.mjs";

const source = process.env.DOKPIM_SOURCE_DIR;

// The frame at `at` seconds as 64x36 grey pixels.
function luma(file, at) {
  return execFileSync("ffmpeg", ["-v", "error", "-ss", String(at), "-i", file, "-frames:v", "1",
    "-vf", "scale=64:36,format=gray", "-f", "rawvideo", "-"]);
}

// The largest mean difference of one row of two frames, rows [from, to)
// of 36: the lower third's text is a few rows of a narrow caption.
function rowsDiffer(a, b, from, to) {
  let most = 0;
  for (let y = from; y < to; y++) {
    let sum = 0;
    for (let x = 0; x < 64; x++) sum += Math.abs(a[y * 64 + x] - b[y * 64 + x]);
    most = Math.max(most, sum / 64);
  }
  return most;
}

function lines(text) {
  return text.split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l));
}

async function until(what, seconds, test) {
  const end = Date.now() + seconds * 1000;
  for (;;) {
    const value = await test();
    if (value) return value;
    check(Date.now() < end, `${what}: not within ${seconds} s`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

await run("test_web_live", async (atEnd) => {
  const dir = tmpdir("web-live");
  atEnd(() => fs.rmSync(dir, { recursive: true, force: true }));
  const key = `live-${process.pid}-${Date.now().toString(36)}`;
  const keyFile = path.join(dir, "stream.key");
  fs.writeFileSync(keyFile, `${key}\n`, { mode: 0o600 });
  const rig = path.join(servers, "nginx-rtmp", "nginx-rtmp.sh");
  const started = execFileSync("bash", [rig, "start", path.join(dir, "nginx"), "--key", key]).toString();
  atEnd(() => execFileSync("bash", [rig, "stop", path.join(dir, "nginx")]));
  const rtmp = /RTMP_URL=(\S+)/.exec(started)[1];

  const library = path.join(dir, "library");
  const port = freePort();
  const live = spawn(dokpim, ["live", path.join(source, "pipelines/live-youtube.conf"),
    "--event", path.join(source, "assets/sample-event/event.ini"), "-o", library, "--json", "--duration", "40",
    "--web", `127.0.0.1:${port}`, "--set", `youtube.url=${rtmp}`, "--set", `youtube.key-file=${keyFile}`,
    "--set", "youtube.lower-third-every=0"], { stdio: ["ignore", "pipe", "pipe"] });
  let out = "", err = "";
  live.stdout.on("data", (c) => (out += c));
  live.stderr.on("data", (c) => (err += c));
  const exited = new Promise((resolve) => live.on("exit", (code) => resolve(code)));
  atEnd(() => { if (live.exitCode === null) live.kill("SIGKILL"); });

  await until("the live on air", 30, () => lines(out).some((e) => e.type === "event" && /^on air/.test(e.message)));
  const token = fs.readFileSync(path.join(library, "serve", "token"), "utf8").trim();
  const server = { url: `http://127.0.0.1:${port}`, token };
  const browser = await launch();
  atEnd(() => browser.close());
  const page = await openPage(browser, server, "/live.html");
  await page.waitForFunction(() => document.getElementById("air").textContent === "ON AIR", null, { timeout: 10000 });
  check(await page.getAttribute("#lower-third", "aria-pressed") === "false", "lower third shown as on at start (config: off)");
  await page.waitForFunction(() => document.getElementById("preview").naturalWidth === 640, null, { timeout: 10000 });
  await page.waitForFunction(() => document.getElementById("fps").textContent.includes("fps"), null, { timeout: 5000 });

  await page.click("#lower-third");
  await page.waitForFunction(() => document.getElementById("lower-third").getAttribute("aria-pressed") === "true", null, { timeout: 5000 });
  const on = lines(out).find((e) => e.type === "event" && e.message === "lower third on");
  check(on, "the live did not say lower third on");
  await new Promise((r) => setTimeout(r, 1500));
  await screenshots(page, "live");

  // the status has ABI 3.3's figures, and no key anywhere the page reads
  const status = lines(out).filter((e) => e.type === "status").pop();
  for (const field of ["encoder_fps", "cpu_percent", "audio_level_db", "free_disk_bytes", "outage_ms"])
    check(status[field] !== undefined && status[field] !== null, `status without ${field}: ${JSON.stringify(status)}`);
  check(status.outputs[0].state === "live" && status.outputs[0].outage_ms === 0, `primary: ${JSON.stringify(status.outputs[0])}`);
  const api = await page.evaluate(async () => (await fetch("/api/live/status")).text());
  check(JSON.parse(api).type === "status", `GET /api/live/status: ${api}`);
  const html = await page.content();
  for (const [what, text] of [["status API", api], ["page", html], ["stdout", out], ["stderr", err]])
    check(!text.includes(key), `the stream key is in the ${what}`);

  await page.click("#stop");
  check(await page.isVisible("#confirm-stop"), "no confirm dialog before stopping");
  await page.click("#stop-cancel");
  await new Promise((r) => setTimeout(r, 500));
  check(live.exitCode === null, "Keep going ended the live");
  await page.click("#stop");
  await page.click("#stop-confirm");
  const code = await Promise.race([exited, new Promise((r) => setTimeout(() => r("hung"), 10000))]);
  check(code === 0, `the live ended with ${code}: ${err}`);
  await finish(page);

  // the recording shows the lower third: its rows change, the top does not
  const recordings = fs.readdirSync(path.join(library, "live")).filter((f) => f.endsWith(".mkv"));
  check(recordings.length === 1, `recordings: ${recordings}`);
  const file = path.join(library, "live", recordings[0]);
  const at = on.uptime_ms / 1000;
  const before = luma(file, Math.max(0.5, at - 1.0));
  const after = luma(file, at + 1.0);
  const lower = rowsDiffer(before, after, 24, 36);
  const top = rowsDiffer(before, after, 0, 12);
  check(lower > 4 && top < 1, `the lower third is not in the recording: lower rows differ ${lower.toFixed(1)}, top ${top.toFixed(1)}`);
});
