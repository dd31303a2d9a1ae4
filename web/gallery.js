// The event gallery: a grid of the event's photos that draws only the rows
// in view (a 2 000-photo event keeps a few dozen <img> in the page), keys
// like Photo Mechanic's, every change stored by POST /api/choice and shown
// on the other open pages through the "choice" event.
"use strict";

(() => {
  const FIRST_PAGE = 120;    // the first request: a screenful, soon
  const PAGE = 1000;         // then the rest in a few large requests
  const CAPTION_HEIGHT = 46; // px under each thumbnail: time and camera
  const OVERSCAN = 2;        // rows drawn above and below the view

  const $ = (id) => document.getElementById(id);
  const scroller = $("scroller");
  const grid = $("grid");

  let items = [];          // the filtered list, filled a page at a time
  let total = 0;
  let bySha = new Map();   // sha256 -> index in items
  let selected = 0;
  let columns = 1, cell = 160, rowHeight = 160 + CAPTION_HEIGHT;
  let generation = 0;      // bumps when the filter changes: stale pages are dropped
  let firstPainted = false;
  const drawn = new Map(); // index -> element

  // What the tests and the benchmark read: key-to-stored times (ms) and
  // performance marks "gallery-first-thumbs", "gallery-all-pages".
  window.dkGallery = { saves: [], ready: false };

  function query(offset, limit) {
    const p = new URLSearchParams({ offset, limit, filter: $("filter").value });
    if ($("camera").value) p.set("camera", $("camera").value);
    if ($("from").value) p.set("from", $("from").value);
    if ($("to").value) p.set("to", $("to").value);
    return "/api/gallery?" + p;
  }

  function stars(n) {
    return n > 0 ? "★".repeat(n) + "☆".repeat(5 - n) : "";
  }

  // "2025-03-14T10:23:40.66+08:00" -> "14 Mar 10:23:40" in the camera's
  // own clock, as the crew saw it on the day.
  function shortTime(iso) {
    if (!iso) return dk.t("gallery.no_time", "time unknown");
    const m = /^(\d{4})-(\d\d)-(\d\d)T(\d\d:\d\d:\d\d)/.exec(iso);
    if (!m) return iso;
    const month = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug",
                   "Sep", "Oct", "Nov", "Dec"][Number(m[2]) - 1];
    return `${Number(m[3])} ${month} ${m[4]}`;
  }

  // A time guessed from the file name or its mtime is marked "≈".
  function when(item) {
    const guessed = item.capture && item.capture_source && item.capture_source !== "exif";
    return (guessed ? "≈ " : "") + shortTime(item.capture);
  }

  function layout() {
    const width = grid.clientWidth || scroller.clientWidth;
    const min = width < 500 ? 110 : 170;
    columns = Math.max(1, Math.floor(width / min));
    cell = Math.floor(width / columns);
    rowHeight = Math.round(cell * 0.75) + CAPTION_HEIGHT;
    grid.style.height = Math.ceil(total / columns) * rowHeight + "px";
    for (const el of drawn.values()) el.remove();
    drawn.clear();
    draw();
  }

  function fillCell(el, item, index) {
    el.className = "cell" + (index === selected ? " selected" : "") +
      (item.label ? " " + item.label : "");
    el.dataset.sha = item.sha256;
    el.querySelector(".stars").textContent = stars(item.rating);
    el.querySelector(".mark").textContent =
      item.label === "pick" ? "✓" : item.label === "reject" ? "✕" : "";
    el.querySelector(".caption").textContent = item.caption || "";
    el.title = `${item.seq}. ${item.name}`;
  }

  function makeCell(item, index) {
    const el = dk.element("div", { role: "gridcell" },
      dk.element("div", { class: "thumb" },
        dk.element("img", { alt: item.name, decoding: "async",
                            draggable: "false" }),
        dk.element("span", { class: "mark" }),
        dk.element("span", { class: "caption" })),
      dk.element("div", { class: "info" },
        dk.element("span", { class: "seq" }, item.seq),
        dk.element("span", { class: "stars" }),
        dk.element("div", { class: "when" }, when(item)),
        dk.element("div", { class: "camera" }, item.camera ||
                   dk.t("gallery.no_camera", "camera unknown"))));
    const img = el.querySelector("img");
    img.addEventListener("load", thumbLoaded, { once: true });
    img.addEventListener("error", thumbLoaded, { once: true });
    if (item.thumb) img.src = item.thumb;
    el.style.width = cell + "px";
    el.style.height = rowHeight + "px";
    el.style.transform =
      `translate(${(index % columns) * cell}px, ${Math.floor(index / columns) * rowHeight}px)`;
    el.addEventListener("click", () => select(index, false));
    el.addEventListener("dblclick", () => { select(index, false); openPreview(); });
    fillCell(el, item, index);
    return el;
  }

  // The first screenful painted: every thumbnail drawn so far has loaded.
  let painted = () => {};
  function thumbLoaded() {
    if (firstPainted) return;
    for (const el of drawn.values()) {
      const img = el.querySelector("img");
      if (img.src && !img.complete) return;
    }
    firstPainted = true;
    requestAnimationFrame(() => performance.mark("gallery-first-thumbs"));
    painted();
  }

  // Resolves once the screenful is painted, or after a second at most (a
  // thumbnail that never answers must not hold the list back).
  function firstScreen() {
    if (firstPainted) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, 1000);
      painted = () => { clearTimeout(timer); painted = () => {}; resolve(); };
    });
  }

  function visibleRange() {
    const top = scroller.scrollTop - grid.offsetTop;
    const first = Math.max(0, Math.floor(top / rowHeight) - OVERSCAN);
    const last = Math.ceil((top + scroller.clientHeight) / rowHeight) + OVERSCAN;
    return [first * columns, Math.min(total, last * columns)];
  }

  function draw() {
    const [from, to] = visibleRange();
    for (const [index, el] of drawn)
      if (index < from || index >= to) { el.remove(); drawn.delete(index); }
    const fragment = document.createDocumentFragment();
    for (let i = from; i < to; i++) {
      if (drawn.has(i) || !items[i]) continue;
      const el = makeCell(items[i], i);
      drawn.set(i, el);
      fragment.append(el);
    }
    grid.append(fragment);
    if (!firstPainted && drawn.size === 0 && total === 0) firstPainted = true;
  }

  function redraw(index) {
    const el = drawn.get(index);
    if (el && items[index]) fillCell(el, items[index], index);
  }

  function select(index, scroll = true) {
    if (!total) return;
    const old = selected;
    selected = Math.max(0, Math.min(total - 1, index));
    redraw(old);
    redraw(selected);
    if (scroll) {
      const y = grid.offsetTop + Math.floor(selected / columns) * rowHeight;
      if (y < scroller.scrollTop) scroller.scrollTop = y;
      else if (y + rowHeight > scroller.scrollTop + scroller.clientHeight)
        scroller.scrollTop = y + rowHeight - scroller.clientHeight;
    }
    if (!$("preview").hidden) showPreview();
  }

  function setOptions(select, entries, keep) {
    const first = select.options[0];
    select.replaceChildren(first);
    for (const e of entries)
      select.append(dk.element("option", { value: e.name }, `${e.name} (${e.count})`));
    select.value = keep;
  }

  function showFacets(page) {
    for (const option of $("filter").options) {
      const n = page.counts[option.value];
      option.textContent = `${dk.t("gallery.filter." + option.value, option.dataset.label ||
        (option.dataset.label = option.textContent))} (${n})`;
    }
    setOptions($("camera"), page.cameras, $("camera").value);
    if (page.events.length) $("event-title").textContent = page.events[0].name;
    $("count").textContent = `${total} ${dk.t("gallery.photos", "photos")}`;
    const links = page.sheets.map((s) =>
      dk.element("a", { href: s.url, target: "_blank" },
                 dk.t("gallery.sheet", "Contact sheet") + " " + s.name.split(".").pop().toUpperCase()));
    $("sheets").replaceChildren(...links);
  }

  function accept(page, offset) {
    page.items.forEach((item, i) => {
      items[offset + i] = item;
      bySha.set(item.sha256, offset + i);
    });
  }

  // The first page is drawn at once; the rest follow one request at a time
  // so arrows and filters soon cover the whole event.
  async function load() {
    const mine = ++generation;
    firstPainted = false;
    window.dkGallery.ready = false;
    const first = await dk.get(query(0, FIRST_PAGE));
    if (mine !== generation) return;
    items = new Array(first.total);
    bySha = new Map();
    total = first.total;
    selected = Math.min(selected, Math.max(0, total - 1));
    accept(first, 0);
    showFacets(first);
    layout();
    // the screenful's thumbnails first: the rest of the list would take
    // the browser's connections and time from them
    await firstScreen();
    for (let offset = FIRST_PAGE; offset < total; offset += PAGE) {
      const page = await dk.get(query(offset, PAGE));
      if (mine !== generation) return;
      accept(page, offset);
      draw();
    }
    performance.mark("gallery-all-pages");
    window.dkGallery.ready = true;
  }

  let countsTimer = 0;
  function refreshCounts() {
    clearTimeout(countsTimer);
    countsTimer = setTimeout(async () => {
      const page = await dk.get(query(0, 1));
      showFacets(Object.assign(page, { total }));
    }, 300);
  }

  function applyChange(item) {
    const index = bySha.get(item.sha256);
    if (index === undefined) return;
    items[index] = item;
    redraw(index);
    if (index === selected && !$("preview").hidden) showPreview();
    refreshCounts();
  }

  async function change(fields) {
    const item = items[selected];
    if (!item) return;
    const started = performance.now();
    try {
      const stored = await dk.post("/api/choice", Object.assign({ sha256: item.sha256 }, fields));
      window.dkGallery.saves.push(performance.now() - started);
      applyChange(stored);
    } catch (e) {
      dk.notice(`${item.name}: ${e.message}`, true);
    }
  }

  // Caption and people: Enter saves, Shift+Enter is a new line, Esc cancels.
  function openEditor() {
    const item = items[selected];
    if (!item) return;
    $("editor-name").textContent = `${item.seq}. ${item.name}`;
    $("caption").value = item.caption || "";
    $("persons").value = (item.persons || []).join("\n");
    $("editor").showModal();
    $("caption").focus();
  }

  function saveEditor() {
    const persons = $("persons").value.split("\n").map((s) => s.trim()).filter(Boolean);
    $("editor").close();
    change({ caption: $("caption").value.trim(), persons });
    scroller.focus();
  }

  $("editor").addEventListener("keydown", (e) => {
    if (e.key === "Enter" && !e.shiftKey) { e.preventDefault(); saveEditor(); }
    e.stopPropagation();
  });
  $("editor").addEventListener("close", () => scroller.focus());
  $("editor-save").addEventListener("click", saveEditor);
  $("editor-cancel").addEventListener("click", () => $("editor").close());

  function showPreview() {
    const item = items[selected];
    if (!item) return;
    $("preview-image").src = item.web || item.thumb || "";
    $("preview-image").alt = item.name;
    $("preview-caption").textContent =
      [`${item.seq}. ${item.name}`, when(item), item.camera, stars(item.rating),
       item.label, item.caption, (item.persons || []).join(", ")].filter(Boolean).join(" · ");
  }
  function openPreview() { $("preview").hidden = false; showPreview(); }
  function closePreview() { $("preview").hidden = true; $("preview-image").removeAttribute("src"); }
  $("preview").addEventListener("click", closePreview);

  function key(k) {
    switch (k) {
    case "ArrowRight": select(selected + 1); return true;
    case "ArrowLeft": select(selected - 1); return true;
    case "ArrowDown": select(selected + columns); return true;
    case "ArrowUp": select(selected - columns); return true;
    case "Home": select(0); return true;
    case "End": select(total - 1); return true;
    case "0": case "1": case "2": case "3": case "4": case "5":
      change({ rating: Number(k) }); return true;
    case "p": case "P": change({ label: "pick" }); return true;
    case "x": case "X": change({ label: "reject" }); return true;
    case "u": case "U": change({ label: null }); return true;
    case "c": case "C": openEditor(); return true;
    case " ": case "Enter":
      if ($("preview").hidden) openPreview(); else closePreview();
      return true;
    case "Escape": closePreview(); return true;
    }
    return false;
  }

  document.addEventListener("keydown", (e) => {
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    const t = e.target;
    if (t instanceof HTMLInputElement || t instanceof HTMLSelectElement ||
        t instanceof HTMLTextAreaElement) return;
    // Space or Enter on a focused button is that button's click
    if (t instanceof HTMLButtonElement && (e.key === " " || e.key === "Enter")) return;
    if (key(e.key)) e.preventDefault();
  });
  for (const b of $("toolbar").querySelectorAll("button"))
    b.addEventListener("click", () => key(b.dataset.key));

  $("help-button").addEventListener("click", () => {
    $("help").hidden = !$("help").hidden;
    $("help-button").setAttribute("aria-expanded", String(!$("help").hidden));
  });

  for (const id of ["filter", "camera", "from", "to"])
    $(id).addEventListener("change", () => { selected = 0; scroller.scrollTop = 0; load(); });

  $("publish").addEventListener("click", async () => {
    if (!confirm(dk.t("gallery.publish_confirm", "Publish the picked photos (web copies and uploads)?"))) return;
    try {
      const r = await dk.post("/api/publish", {});
      dk.notice(`${dk.t("gallery.publishing", "Publishing")} ${r.picks} ${dk.t("gallery.picks", "picks")}…`);
      $("publish").disabled = true;
    } catch (e) {
      dk.notice(e.message, true);
    }
  });

  function publishProgress(p) {
    if (p.state === "running") {
      $("publish").disabled = true;
      const item = items[bySha.get(p.name)];
      dk.notice(`${dk.t("gallery.publishing", "Publishing")} ${p.finished}/${p.total} ${item ? item.name : ""}`);
    } else if (p.state === "done") {
      $("publish").disabled = false;
      dk.notice(`${dk.t("gallery.published", "Published")}: ${p.picks} ${dk.t("gallery.picks", "picks")}, ` +
                `${p.done} ${dk.t("gallery.done", "done")}, ${p.skipped} ${dk.t("gallery.skipped", "skipped")}, ` +
                `${p.failed} ${dk.t("gallery.failed", "failed")}`, p.failed > 0);
      load();
    } else {
      $("publish").disabled = false;
      dk.notice(`${dk.t("gallery.publish_failed", "Publishing failed")}: ${p.error}`, true);
    }
  }

  dk.events({ choice: applyChange, publish: publishProgress });
  scroller.addEventListener("scroll", () => requestAnimationFrame(draw), { passive: true });
  window.addEventListener("resize", () => layout());
  scroller.focus();
  load().catch((e) => dk.notice(e.message, true));
})();
