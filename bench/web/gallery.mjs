// bench/web/gallery.mjs (run by bench/web/run.sh): how fast the gallery
// opens a 2 000-photo event, against a static server.
//
// Ten generated photos go through pipelines/event-photos.conf; the
// library is cloned to N items (clone-library.py: own manifests, own
// thumbnail files). Chromium opens
//   dokpim:  `dokpim serve` /gallery.html (the API, paged, and /files/
//            thumbnails; only the rows in view drawn), and
//   peer:    `python3 -m http.server` on the same thumbnails in a plain
//            page of N <img loading=lazy> (what a hand-made HTML contact
//            sheet is),
// each REPS times in a fresh browser context (cold HTTP cache), and reads
// the performance timings: navigation to the first screen of thumbnails
// painted, and to everything loaded (dokpim: every API page fetched; peer:
// the load event). Medians and the ratio are printed. Target: <= 1 s.
import { execFileSync, spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { check, freePort, launch, runDokpim, startServe, tmpdir } from "../../tests/web/lib.mjs";

const N = Number(process.env.N || 2000);
const REPS = Number(process.env.REPS || 5);
const source = process.env.DOKPIM_SOURCE_DIR;
const here = path.dirname(new URL(import.meta.url).pathname);

function makePhotos(dir, count) {
  fs.mkdirSync(dir, { recursive: true });
  const cameras = [["Canon", "Canon EOS R6"], ["SONY", "ILCE-7M3"], ["NIKON CORPORATION", "NIKON Z 6_2"]];
  for (let i = 0; i < count; i++) {
    const file = path.join(dir, `DSC_${1000 + i}.JPG`);
    execFileSync("ffmpeg", ["-v", "error", "-f", "lavfi", "-i", `testsrc2=size=1600x1067:rate=1:duration=1,hue=h=${i * 36}`,
      "-frames:v", "1", "-q:v", "3", "-y", file]);
    const [make, model] = cameras[i % cameras.length];
    execFileSync("exiftool", ["-q", "-overwrite_original", `-DateTimeOriginal=2025:03:14 09:${String(i).padStart(2, "0")}:00`,
      `-Make=${make}`, `-Model=${model}`, file]);
  }
}

function median(values) {
  const s = [...values].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

// The peer: every thumbnail in one page, as a static site would have it.
function writePeer(library, dir) {
  const thumbs = [];
  for (const name of fs.readdirSync(path.join(library, "items"))) {
    const text = fs.readFileSync(path.join(library, "items", name), "utf8");
    const m = /^path\.\d+=(derived\/\S*\/thumbs\/\S+)$/m.exec(text);
    if (m) thumbs.push(m[1]);
  }
  thumbs.sort();
  const cells = thumbs.map((t) => `<figure><img src="/${t}" loading="lazy" width="160" height="107" alt=""><figcaption>${path.basename(t)}</figcaption></figure>`);
  fs.writeFileSync(path.join(dir, "peer.html"),
    `<!doctype html><meta charset="utf-8"><title>peer</title><link rel="icon" href="data:,">` +
    `<style>body{display:flex;flex-wrap:wrap;margin:0}figure{margin:4px;width:160px;font:11px sans-serif}</style>` +
    `<script>addEventListener("load",()=>performance.mark("peer-loaded"));` +
    `function painted(){const v=[...document.images].filter(i=>i.getBoundingClientRect().top<innerHeight);` +
    `if(v.length&&v.every(i=>i.complete))performance.mark("peer-first-thumbs");else requestAnimationFrame(painted)}` +
    `requestAnimationFrame(painted)</script>${cells.join("")}`);
  return thumbs.length;
}

async function startPeer(root) {
  const port = freePort();
  const child = spawn("/usr/bin/python3", ["-m", "http.server", "--bind", "127.0.0.1", String(port)], { cwd: root, stdio: "ignore" });
  for (let i = 0; i < 100; i++) {
    try {
      await fetch(`http://127.0.0.1:${port}/peer.html`);
      break;
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  return { url: `http://127.0.0.1:${port}`, stop: () => child.kill("SIGTERM") };
}

async function measure(browser, url, marks, setup) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  if (setup) await setup(context);
  const page = await context.newPage();
  await page.goto(url);
  await page.waitForFunction((names) => names.every((n) => performance.getEntriesByName(n).length), marks, { timeout: 30000 });
  const times = await page.evaluate((names) => names.map((n) => performance.getEntriesByName(n)[0].startTime), marks);
  const images = await page.evaluate(() => document.images.length);
  await context.close();
  return { times, images };
}

const dir = tmpdir("bench-gallery");
let server, peer, browser;
try {
  makePhotos(path.join(dir, "photos"), 10);
  const small = path.join(dir, "small");
  const ran = runDokpim(["run", "-q", path.join(source, "pipelines", "event-photos.conf"), "--event",
    path.join(source, "assets", "sample-event", "event.ini"), "-o", small, path.join(dir, "photos")]);
  check(ran.status === 0, `dokpim run: ${ran.stderr}`);
  const library = path.join(dir, "library");
  execFileSync("/usr/bin/python3", [path.join(here, "clone-library.py"), small, library, String(N)]);
  const thumbs = writePeer(library, library);
  check(thumbs === N, `peer page has ${thumbs} thumbnails, expected ${N}`);

  server = await startServe(library);
  peer = await startPeer(library);
  browser = await launch();
  const cookie = async (context) =>
    context.addCookies([{ name: "dokpim_token", value: server.token, url: server.url }]);
  const rows = { dokpim: [[], []], peer: [[], []] };
  let drawn = 0;
  for (let r = 0; r < REPS; r++) {
    const d = await measure(browser, `${server.url}/gallery.html`, ["gallery-first-thumbs", "gallery-all-pages"], cookie);
    const p = await measure(browser, `${peer.url}/peer.html`, ["peer-first-thumbs", "peer-loaded"]);
    d.times.forEach((t, i) => rows.dokpim[i].push(t));
    p.times.forEach((t, i) => rows.peer[i].push(t));
    drawn = d.images;
  }
  const [dFirst, dAll] = rows.dokpim.map(median);
  const [pFirst, pAll] = rows.peer.map(median);
  console.log(`gallery of ${N} photos, ${REPS} cold loads each, medians (ms from navigation):`);
  console.log(`  dokpim serve  first thumbnails ${dFirst.toFixed(0)}  all ${N} listed ${dAll.toFixed(0)}  (<img> in the page: ${drawn})`);
  console.log(`  http.server   first thumbnails ${pFirst.toFixed(0)}  load event ${pAll.toFixed(0)}  (<img> in the page: ${N})`);
  console.log(`  ratio dokpim/peer: first thumbnails ${(dFirst / pFirst).toFixed(2)}, all ${(dAll / pAll).toFixed(2)}`);
  console.log(`  target <= 1000 ms: first thumbnails ${dFirst <= 1000 ? "met" : "MISSED"}, all listed ${dAll <= 1000 ? "met" : "MISSED"}`);
  console.log(`  runs: dokpim first ${rows.dokpim[0].map((t) => t.toFixed(0)).join(" ")}; all ${rows.dokpim[1].map((t) => t.toFixed(0)).join(" ")}`);
  console.log(`        peer first ${rows.peer[0].map((t) => t.toFixed(0)).join(" ")}; load ${rows.peer[1].map((t) => t.toFixed(0)).join(" ")}`);
} finally {
  if (browser) await browser.close();
  if (peer) peer.stop();
  if (server) await server.stop();
  fs.rmSync(dir, { recursive: true, force: true });
}
