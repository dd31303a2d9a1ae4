// The queue page in chromium: a library whose upload failed (a real WebDAV
// server, nginx, finding a folder where the file goes: HTTP 301, refused), the page lists the job with
// its error, Retry (after the confirm) queues it again, a cancel from the
// command line shows up by the event stream, and without the token neither
// the page nor the retry is served.
import fs from "node:fs";
import path from "node:path";
import { check, finish, launch, openPage, run, runDokpim, screenshots, sizes, startServe, startWebdav, tmpdir } from "./lib.mjs";

function jobs(library) {
  const listed = runDokpim(["queue", "list", "--json", "-o", library]);
  check(listed.status === 0, `queue list: ${listed.stderr}`);
  return JSON.parse(listed.stdout);
}

await run("test_web_queue", async (atEnd) => {
  const dir = tmpdir("web-queue");
  atEnd(() => fs.rmSync(dir, { recursive: true, force: true }));
  const dav = startWebdav(path.join(dir, "dav"));
  atEnd(() => dav.stop());
  // a folder where the file goes: nginx answers a redirect, a refusal
  fs.mkdirSync(path.join(dir, "dav", "www", "b", "photo.txt.dk-part"), { recursive: true });
  fs.writeFileSync(path.join(dir, "event.ini"), "[event]\ntitle=Rapat Paripurna DPRD\ndate=2024-09-02\n");
  fs.writeFileSync(
    path.join(dir, "pipeline.ini"),
    "[pipeline]\nstages=ingest;archive\n[ingest]\nplugin=ingest.file\n" +
      `[archive]\nplugin=upload.webdav\nurl=http://127.0.0.1:${dav.port}/b/\nremote-path={original.name}\n` +
      "retries=1\nretry-wait=0.05\n",
  );
  fs.writeFileSync(path.join(dir, "photo.txt"), "a photo's stand-in\n");
  const library = path.join(dir, "library");
  const ran = runDokpim(["run", "-q", path.join(dir, "pipeline.ini"), "--event", path.join(dir, "event.ini"), "-o", library, path.join(dir, "photo.txt")]);
  check(ran.status === 0, `dokpim run: ${ran.stderr}`);
  const worked = runDokpim(["queue", "work", "-o", library, "--until-empty"]);
  check(worked.status === 1, `queue work: exit ${worked.status}, expected 1 (failed): ${worked.stderr}`);
  const failed = jobs(library)[0];
  check(failed.state === "failed" && /HTTP 3|HTTP 4/.test(failed.last_error), `job not failed by the server: ${JSON.stringify(failed)}`);

  const server = await startServe(library);
  atEnd(async () => {
    const code = await server.stop();
    check(code === 0, `dokpim serve exited ${code}`);
  });
  const browser = await launch();
  atEnd(() => browser.close());

  // without the token: no page, no retry, and the job stays failed
  const stranger = await browser.newContext();
  const refused = await (await stranger.newPage()).goto(`${server.url}/queue.html`);
  check(refused.status() === 401, `the page without the token: HTTP ${refused.status()}`);
  const retried = await stranger.request.post(`${server.url}/api/queue/retry`, {
    data: { id: failed.id },
    headers: { "X-Dokpim-Token": "guess" },
  });
  check(retried.status() === 401, `retry without the token: HTTP ${retried.status()}`);
  await stranger.close();
  check(jobs(library)[0].state === "failed", "a refused retry changed the job");

  const page = await openPage(browser, server, "/queue.html", sizes.phone);
  const row = page.locator(`.job[data-id="${failed.id}"]`);
  await row.locator(".state", { hasText: "failed" }).waitFor({ timeout: 5000 });
  const note = await row.locator(".note").innerText();
  check(note.includes(failed.last_error), `the page does not show the error: ${note}`);
  await screenshots(page, "queue");

  // Retry asks first: dismissed, nothing happens; accepted, the job is queued
  page.once("dialog", (dialog) => dialog.dismiss());
  await row.locator("button.retry").click();
  await page.waitForTimeout(300);
  check(jobs(library)[0].state === "failed", "a dismissed confirm retried the job");
  let asked = "";
  page.once("dialog", (dialog) => {
    asked = dialog.message();
    dialog.accept();
  });
  await row.locator("button.retry").click();
  await page.locator(`.job[data-id="${failed.id}"][data-state="queued"], .job[data-id="${failed.id}"][data-state="running"]`).waitFor({ timeout: 5000 });
  check(/photo\.txt/.test(asked), `the confirm does not name the file: ${asked}`);
  const state = jobs(library)[0].state;
  check(state === "queued" || state === "running", `after Retry the queue says ${state}`);
  // a change made elsewhere (the command line) reaches the open page by the
  // event stream, without a reload
  const cancelled = runDokpim(["queue", "cancel", String(failed.id), "-o", library]);
  check(cancelled.status === 0, `queue cancel: ${cancelled.stderr}`);
  await page.locator(`.job[data-id="${failed.id}"][data-state="cancelled"]`).waitFor({ timeout: 6000 });
  await finish(page);
  check(!server.log().includes(server.token), "the token is in the server's log");
});
