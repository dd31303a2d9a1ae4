// The pages in Indonesian: a server whose language is id (as the event's
// language= or DOKPIM_LANGUAGE make it) serves /api/i18n.js from the
// build's id.json, and the pages' static words (data-i18n) and scripted
// words (dk.t) come out in it. The expected words are read from id.json,
// not written here.
import fs from "node:fs";
import path from "node:path";
import { check, dokpim, finish, openPage, run, screenshots, serveWithBrowser, tmpdir } from "./lib.mjs";

const words = JSON.parse(fs.readFileSync(path.join(path.dirname(dokpim), "..", "web", "i18n", "id.json"), "utf8"));

await run("test_web_i18n_page", async (atEnd) => {
  const library = tmpdir("i18n-page");
  process.env.DOKPIM_LANGUAGE = "id";
  const { server, browser } = await serveWithBrowser(library, atEnd);
  for (const english of ["Queue", "Home", "Gallery"])
    check(words[english] && words[english] !== english, `id.json does not translate ${english}`);

  const queue = await openPage(browser, server, "/queue.html");
  check((await queue.textContent("h1")) === words["Queue"], `queue page title: ${await queue.textContent("h1")}`);
  check((await queue.textContent("nav a[href='/']")) === words["Home"], "the queue page's Home link is not translated");
  // a word the page's script writes (dk.t) once the empty queue is read
  const empty = words["Nothing queued in this library yet."];
  await queue.waitForFunction((text) => document.body.textContent.includes(text), empty, { timeout: 10000 });
  await screenshots(queue, "queue-id");
  await finish(queue);

  const home = await openPage(browser, server, "/");
  const cards = await home.$$eval(".card strong", (nodes) => nodes.map((n) => n.textContent));
  check(cards.includes(words["Gallery"]), `home page cards: ${cards.join(", ")}`);
  await finish(home);
});
