// What every dokpim page shares: the fetch wrapper (the token rides in the
// HttpOnly cookie set when the page was opened once with ?token=; changes
// carry the X-Dokpim-Token value from /api/session), the event stream and
// the message lookup. No framework, nothing fetched from elsewhere.
"use strict";

const dk = (() => {
  let csrf = null;

  async function session() {
    if (csrf === null) {
      const reply = await get("/api/session");
      csrf = reply.csrf;
    }
    return csrf;
  }

  async function answer(response) {
    const type = response.headers.get("Content-Type") || "";
    const body = type.startsWith("application/json") ? await response.json() : null;
    if (!response.ok) {
      const why = body && body.error ? body.error : response.statusText;
      const error = new Error(why);
      error.status = response.status;
      throw error;
    }
    return body;
  }

  async function get(path) {
    return answer(await fetch(path, { credentials: "same-origin" }));
  }

  async function post(path, data) {
    const token = await session();
    return answer(await fetch(path, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-Dokpim-Token": token },
      body: JSON.stringify(data),
    }));
  }

  // handlers: { eventName: function(data) }; the browser reconnects a
  // dropped stream by itself.
  function events(handlers) {
    const source = new EventSource("/api/events");
    for (const [name, handler] of Object.entries(handlers))
      source.addEventListener(name, (e) => handler(JSON.parse(e.data)));
    return source;
  }

  // Messages of the page in the crew's language: /api/i18n.js (loaded before
  // this file) sets window.DK_MESSAGES, which maps both a key and its
  // English text to the translation; the English text is the fallback.
  // {name} placeholders are filled from params after the lookup, so a
  // translation may put them in its own word order.
  function t(key, english, params) {
    const messages = window.DK_MESSAGES || {};
    const text = messages[key] || (english && messages[english]) || english || key;
    if (!params) return text;
    return text.replace(/\{([a-z_]+)\}/g, (whole, name) =>
      Object.prototype.hasOwnProperty.call(params, name) ? String(params[name]) : whole);
  }

  // A one-line notice at the bottom of the page (errors, "saved").
  function notice(text, isError) {
    let bar = document.getElementById("dk-notice");
    if (!bar) {
      bar = document.createElement("div");
      bar.id = "dk-notice";
      bar.setAttribute("role", "status");
      document.body.appendChild(bar);
    }
    bar.textContent = text;
    bar.className = isError ? "error" : "";
  }

  function element(tag, attributes, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attributes || {})) {
      if (key === "class") node.className = value;
      else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
      else node.setAttribute(key, value);
    }
    for (const child of children)
      if (child !== null && child !== undefined)
        node.append(child instanceof Node ? child : String(child));
    return node;
  }

  return { get, post, events, t, notice, element };
})();

// The page's own words (data-i18n="English text" on an element holding only
// that text), translated before the page's script runs; every page loads
// this file at the end of its body, after the elements.
for (const node of document.querySelectorAll("[data-i18n]")) {
  const text = (window.DK_MESSAGES || {})[node.dataset.i18n];
  if (text) node.textContent = text;
}
