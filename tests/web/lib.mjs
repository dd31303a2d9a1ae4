// What the browser tests of the crew's pages share: a real `dokpim serve`
// on a free loopback port, the Debian chromium driven headless by
// playwright-core (nothing downloaded), pages opened with the token,
// screenshots at phone and desktop width, and console errors as failures.
import { chromium } from "playwright-core";
import { execFileSync, spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const here = path.dirname(fileURLToPath(import.meta.url));
export const servers = path.join(here, "..", "servers");
export const dokpim = process.env.DOKPIM_BIN;
const artifacts = process.env.DK_WEB_ARTIFACTS || path.join(os.tmpdir(), "dokpim-web-artifacts");

export const sizes = { phone: { width: 390, height: 844 }, desktop: { width: 1280, height: 800 } };

export function check(condition, message) {
  if (!condition) throw new Error(message);
}

export function tmpdir(tag) {
  return fs.mkdtempSync(path.join(os.tmpdir(), `dokpim-${tag}-`));
}

export function freePort() {
  return Number(execFileSync(path.join(servers, "free-port.sh")).toString().trim());
}

// Runs dokpim ARGS; { status, stdout, stderr }.
export function runDokpim(args, options = {}) {
  try {
    const stdout = execFileSync(dokpim, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], ...options });
    return { status: 0, stdout, stderr: "" };
  } catch (error) {
    return { status: error.status, stdout: error.stdout || "", stderr: error.stderr || "" };
  }
}

// Waits until the child printed a line matching pattern on stdout.
function waitForOutput(child, pattern, what, seconds = 10) {
  return new Promise((resolve, reject) => {
    let text = "";
    const timer = setTimeout(() => reject(new Error(`${what}: nothing after ${seconds} s: ${text}`)), seconds * 1000);
    child.stdout.on("data", (chunk) => {
      text += chunk;
      if (pattern.test(text)) {
        clearTimeout(timer);
        resolve(text);
      }
    });
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`${what} exited ${code}: ${text}`));
    });
  });
}

// `dokpim serve -o library` on a free port: { url, token, log(), stop() }.
export async function startServe(library, extra = []) {
  const port = freePort();
  const child = spawn(dokpim, ["serve", "-o", library, "--listen", `127.0.0.1:${port}`, ...extra], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let log = "";
  child.stderr.on("data", (chunk) => (log += chunk));
  await waitForOutput(child, /Ctrl-C/, "dokpim serve");
  const token = fs.readFileSync(path.join(library, "serve", "token"), "utf8").trim();
  return {
    url: `http://127.0.0.1:${port}`,
    token,
    log: () => log,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve(child.exitCode);
        child.on("exit", (code) => resolve(code));
        child.kill("SIGTERM");
      }),
  };
}

// tests/servers/nginx-dav.sh DIR: { port, stop() }.
export function startWebdav(dir) {
  const [port, pid] = execFileSync("sh", [path.join(servers, "nginx-dav.sh"), dir]).toString().trim().split(/\s+/).map(Number);
  return {
    port,
    stop: () => {
      try {
        process.kill(pid, "SIGTERM");
      } catch {
        /* already gone */
      }
    },
  };
}

export async function launch() {
  const args = ["--headless=new", "--disable-gpu", "--no-first-run", "--disable-dev-shm-usage"];
  if (process.getuid && process.getuid() === 0) args.push("--no-sandbox");
  return chromium.launch({ executablePath: "/usr/bin/chromium", headless: true, args });
}

// A page of server's opened with the token (the server sets the cookie and
// sends the browser to the address without it). page.errors collects the
// console errors and uncaught exceptions; finish() fails on any.
export async function openPage(browser, server, pagePath, size = sizes.desktop) {
  const context = await browser.newContext({ viewport: size });
  const page = await context.newPage();
  page.errors = [];
  page.on("console", (message) => {
    if (message.type() === "error") page.errors.push(`console: ${message.text()} (${message.location().url})`);
  });
  page.on("pageerror", (error) => page.errors.push(`page: ${error.message}`));
  const response = await page.goto(`${server.url}${pagePath}?token=${server.token}`);
  check(response && response.ok(), `${pagePath}: HTTP ${response && response.status()}`);
  check(!page.url().includes("token="), `the token stayed in the address: ${page.url()}`);
  return page;
}

// NAME-phone.png and NAME-desktop.png of the page as it is now.
export async function screenshots(page, name) {
  fs.mkdirSync(artifacts, { recursive: true });
  for (const [label, size] of Object.entries(sizes)) {
    await page.setViewportSize(size);
    await page.screenshot({ path: path.join(artifacts, `${name}-${label}.png`), fullPage: true });
  }
}

export async function finish(page) {
  const errors = page.errors;
  await page.context().close();
  check(errors.length === 0, `errors in the page:\n${errors.join("\n")}`);
}

// Runs test(), then the cleanups (last added first); exit status 1 on a
// failure, with its message.
export async function run(name, test) {
  const cleanups = [];
  const atEnd = (fn) => cleanups.push(fn);
  let status = 0;
  try {
    await test(atEnd);
    console.log(`${name}: passed`);
  } catch (error) {
    console.error(`${name}: FAIL: ${error.stack || error.message}`);
    status = 1;
  }
  for (const fn of cleanups.reverse()) {
    try {
      await fn();
    } catch (error) {
      console.error(`${name}: cleanup: ${error.message}`);
      status = 1;
    }
  }
  process.exit(status);
}

// `dokpim serve -o library` and a chromium, both stopped by the test's
// cleanups (the server must exit 0): { server, browser }.
export async function serveWithBrowser(library, atEnd, extra = []) {
  const server = await startServe(library, extra);
  atEnd(async () => {
    const code = await server.stop();
    check(code === 0, `dokpim serve exited ${code}`);
  });
  const browser = await launch();
  atEnd(() => browser.close());
  return { server, browser };
}
