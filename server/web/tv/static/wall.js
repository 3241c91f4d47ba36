// The browser wall: the office's state live over the device socket, calls spoken once.
//
// The same rules as the monitor wall on a Pi: one socket (hello with the display's
// token, snapshot, deltas in seq order, a gap asks for a snapshot); a call is
// announced once per (ticket, call count), only while fresh by the server's clock,
// one after another; offline keeps the last picture with the clock running.
"use strict";

const config = JSON.parse(document.getElementById("antrean-config").textContent);
const options = config.options;
const token = document.querySelector('meta[name="antrean-device"]').content;
const $ = (id) => document.getElementById(id);

const DAYS = ["Minggu", "Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu"];
const MONTHS = ["Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus",
  "September", "Oktober", "November", "Desember"];
const ZONES = { 420: "WIB", 480: "WITA", 540: "WIT" };
const FLASH_MS = 8000;
const SEEN_KEY = "antrean-tv-seen";

const state = {
  snapshot: JSON.parse(document.getElementById("antrean-snapshot").textContent),
  online: false,
  awaitingSnapshot: true,
  serverOffsetMs: 0, // server time − this machine's time
  zoneOffsetMin: 480,
  latestIdentity: null,
  flashUntil: 0,
  seen: new Set(JSON.parse(sessionStorage.getItem(SEEN_KEY) || "[]")),
  queue: [],
  speaking: false,
  soundBlocked: false,
  failures: 0,
  tickerTurn: 0,
};
window.antreanWall = state; // for people (and tests) looking at a running wall

// --- the server's clock -----------------------------------------------------------

function tellServerTime(iso) {
  const at = new Date(iso);
  state.serverOffsetMs = at.getTime() - Date.now();
  const match = /([+-])(\d\d):(\d\d)$/.exec(iso);
  if (match) {
    state.zoneOffsetMin = (match[1] === "-" ? -1 : 1) * (Number(match[2]) * 60 + Number(match[3]));
  }
}

function serverNow() {
  return Date.now() + state.serverOffsetMs;
}

function officeTime(ms) {
  // The office's wall-clock fields, whatever this machine's own zone is.
  const d = new Date(ms + state.zoneOffsetMin * 60000);
  return {
    day: DAYS[d.getUTCDay()], date: d.getUTCDate(), month: MONTHS[d.getUTCMonth()],
    year: d.getUTCFullYear(), hh: d.getUTCHours(), mm: d.getUTCMinutes(), ss: d.getUTCSeconds(),
  };
}

const two = (n) => String(n).padStart(2, "0");

function drawClock() {
  const t = officeTime(serverNow());
  const zone = ZONES[state.zoneOffsetMin] || "";
  $("date").textContent = `${t.day}, ${t.date} ${t.month} ${t.year}`;
  $("clock").textContent = `${two(t.hh)}.${two(t.mm)}.${two(t.ss)} ${zone}`.trim();
}

// --- what the wall shows ------------------------------------------------------------

const wants = {
  service: (code) => !options.services.length || options.services.includes(code),
  counter: (n) => !options.counters.length || options.counters.includes(n),
};

function callsOf(snapshot) {
  const names = Object.fromEntries(snapshot.counters.map((c) => [c.number, c.name]));
  return snapshot.recent_calls
    .filter((c) => wants.service(c.service) && wants.counter(c.counter))
    .map((c) => ({ ...c, counterName: names[c.counter] || `Loket ${c.counter}` }))
    .sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : b.ticket_id - a.ticket_id));
}

function counterLabel(call) {
  const name = call.counterName.toUpperCase().trim();
  const plain = name.endsWith(String(call.counter))
    ? name.slice(0, -String(call.counter).length).trim() : name;
  return plain && !/\d$/.test(plain) ? plain : (name || "LOKET");
}

// The estimate rounded as the ticket prints it (antrean/wording.py): whole
// minutes to 20, then 5-minute steps, quarter hours past two hours.
function roundedWait(minutes) {
  const m = Math.max(0, minutes);
  if (m <= 20) return Math.floor(m + 0.5);
  const step = m <= 120 ? 5 : 15;
  return Math.max(20, step * Math.floor(m / step + 0.5));
}

function waitWords(minutes) {
  if (minutes === null || minutes === undefined) return "—";
  const rounded = roundedWait(minutes);
  if (rounded === 0) return "sebentar lagi";
  const hours = Math.floor(rounded / 60);
  const rest = rounded % 60;
  if (!hours) return `sekitar ${rest} menit`;
  return `sekitar ${hours} jam` + (rest ? ` ${rest} menit` : "");
}

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function render() {
  const snapshot = state.snapshot;
  const calls = callsOf(snapshot);
  const latest = calls[0] || null;
  const hero = $("hero");
  hero.classList.toggle("empty", !latest);
  $("hero-code").textContent = latest ? latest.code : "";
  $("hero-counter").textContent = latest ? String(latest.counter) : "";
  $("hero-counter-label").textContent = latest ? counterLabel(latest) : "LOKET";
  if (latest) {
    const identity = `${latest.ticket_id}:${latest.call_count}`;
    if (identity !== state.latestIdentity) {
      state.latestIdentity = identity;
      if (serverNow() - Date.parse(latest.at) <= options.fresh_seconds * 1000) {
        state.flashUntil = Date.now() + FLASH_MS;
      }
    }
  }
  renderTiles(snapshot, latest);
  const list = $("recent-list");
  list.replaceChildren(...calls.slice(1, 1 + options.recent_calls).map((c) => {
    const item = el("li");
    item.append(el("span", "code", c.code), el("span", "arrow", "→"),
      el("span", "where", c.counterName.toUpperCase()));
    return item;
  }));
  $("service-rows").replaceChildren(...snapshot.services
    .filter((s) => s.active && wants.service(s.code))
    .map((s) => {
      const row = el("tr", s.accepting ? "" : "closed");
      row.append(el("td", "name", `${s.code} · ${s.name}`), el("td", "count", String(s.waiting)),
        el("td", "wait", s.accepting ? waitWords(s.estimated_wait_minutes) : "tutup"));
      return row;
    }));
  renderTicker(snapshot);
  fitAll();
}

function renderTiles(snapshot, latest) {
  const counters = snapshot.counters
    .filter((c) => c.state !== "closed" && wants.counter(c.number))
    .filter((c) => !options.services.length || c.services.some((s) => options.services.includes(s)))
    .sort((a, b) => a.number - b.number);
  const box = $("tiles");
  const cols = tileColumns(box.clientWidth, box.clientHeight, counters.length);
  box.style.gridTemplateColumns = `repeat(${cols}, 1fr)`;
  box.style.gridTemplateRows = `repeat(${Math.max(1, Math.ceil(counters.length / cols))}, 1fr)`;
  box.replaceChildren(...counters.map((c) => {
    const tile = el("div", "tile" + (c.state === "paused" ? " paused" : ""));
    tile.dataset.counter = String(c.number);
    if (latest && latest.counter === c.number) tile.classList.add("latest");
    const current = c.current && wants.service(c.current.service) ? c.current.code : "—";
    tile.append(el("div", "name", c.name.toUpperCase()),
      el("div", "number", c.state === "paused" ? "ISTIRAHAT" : current));
    return tile;
  }));
}

function tileColumns(width, height, count) {
  // As in display/layout.py: tiles as large as they can be near 1.9 : 1.
  let best = 1;
  let bestUsable = -1;
  for (let cols = 1; cols <= Math.max(1, count); cols += 1) {
    const lines = Math.ceil(count / cols);
    const usable = Math.min(height / lines, width / cols / 1.9);
    if (usable > bestUsable + 0.5) { bestUsable = usable; best = cols; }
  }
  return best;
}

function fitAll() {
  // Text never overflows: each line shrinks until it fits its box's width (the heights
  // are planned in the style sheet).
  for (const node of document.querySelectorAll(".number, .name, #title, .where, .code")) {
    node.style.fontSize = "";
    let size = parseFloat(getComputedStyle(node).fontSize);
    while (node.scrollWidth > node.clientWidth + 1 && size > 8) {
      size *= 0.92;
      node.style.fontSize = `${size}px`;
    }
  }
  // Many services (or long names that wrap): the table's rows shrink until they fit.
  const panel = $("services");
  const table = panel.querySelector("table");
  const room = panel.clientHeight - panel.querySelector("h2").offsetHeight - 16;
  let scale = 1;
  table.style.fontSize = "";
  for (const cell of table.querySelectorAll("td")) cell.style.fontSize = "";
  while (table.offsetHeight > room && scale > 0.3) {
    scale *= 0.9;
    for (const cell of table.querySelectorAll("td")) {
      cell.style.fontSize = "";
      cell.style.fontSize = `${parseFloat(getComputedStyle(cell).fontSize) * scale}px`;
    }
  }
}

function renderTicker(snapshot) {
  const items = (snapshot.announcements || []).filter((t) => t.trim());
  const reqs = snapshot.services.filter((s) => s.active && s.requirements.trim()
    && wants.service(s.code));
  if (reqs.length) {
    const s = reqs[state.tickerTurn % reqs.length];
    items.push(`Persyaratan ${s.name}: ${s.requirements.trim()}`);
  }
  const text = items.join("   •   ");
  const node = $("ticker-text");
  if (node.textContent !== text) {
    node.textContent = text;
    node.style.animationDuration = `${Math.max(12, text.length / 7)}s`;
  }
}

$("ticker-text").addEventListener("animationiteration", () => {
  state.tickerTurn += 1;
  renderTicker(state.snapshot);
});

function tick() {
  drawClock();
  const flashing = Date.now() < state.flashUntil;
  const on = flashing && Math.floor((state.flashUntil - Date.now()) / 333) % 2 === 1;
  $("hero").classList.toggle("flash", on);
  const lit = document.querySelector(".tile.latest");
  if (lit) lit.classList.toggle("flash", on);
}

// --- the spoken call -----------------------------------------------------------------

const player = new Audio();
player.preload = "auto";

function remember(identity) {
  state.seen.add(identity);
  const kept = [...state.seen].slice(-500);
  sessionStorage.setItem(SEEN_KEY, JSON.stringify(kept));
}

function considerCalls() {
  if (options.sound === "off") return;
  const calls = callsOf(state.snapshot).slice().reverse(); // oldest first
  for (const call of calls) {
    const identity = `${call.ticket_id}:${call.call_count}`;
    if (state.seen.has(identity)) continue;
    remember(identity);
    if (serverNow() - Date.parse(call.at) > options.fresh_seconds * 1000) continue;
    state.queue.push(call);
  }
  speakNext();
}

function soundUrl(call) {
  const q = new URLSearchParams({ code: call.code, counter: String(call.counter),
    service: call.service });
  return `/tv/sound/call.wav?${q}`;
}

async function speakNext() {
  if (state.speaking || state.soundBlocked || !state.queue.length) return;
  const call = state.queue[0];
  state.speaking = true;
  try {
    player.src = soundUrl(call);
    await player.play();
    await new Promise((done) => {
      player.onended = done;
      player.onerror = done;
    });
    state.queue.shift();
    document.body.dataset.spoken = String(Number(document.body.dataset.spoken || 0) + 1);
    document.body.dataset.lastSpoken = `${call.code}:${call.counter}:${call.call_count}`;
  } catch (error) {
    if (error && error.name === "NotAllowedError") {
      // The browser wants one tap before it makes a sound: ask for it, keep the queue.
      state.soundBlocked = true;
      $("sound-gate").hidden = false;
    } else {
      state.queue.shift(); // a clip that cannot play is skipped, not retried for ever
    }
  } finally {
    state.speaking = false;
  }
  if (!state.soundBlocked) speakNext();
}

$("enable-sound").addEventListener("click", () => {
  state.soundBlocked = false;
  $("sound-gate").hidden = true;
  speakNext();
});

// --- the socket ---------------------------------------------------------------------

const REFUSED = {
  not_authenticated: "Layar ini belum dipasangkan atau tokennya tidak dikenal.",
  device_revoked: "Akses layar ini sudah dicabut oleh admin.",
  site_not_found: "Kantor layar ini tidak ada lagi di server.",
  protocol_mismatch: "Halaman ini sudah usang: muat ulang halaman.",
};

function setOnline(online) {
  state.online = online;
  $("status").hidden = online;
  document.body.classList.toggle("offline", !online);
}

function showRefused(code, message) {
  $("refused-title").textContent = "Layar ini tidak dapat menampilkan antrean";
  $("refused-message").textContent = `${REFUSED[code] || message || code} (${code})`;
  $("refused").hidden = false;
}

function connect() {
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  const socket = new WebSocket(`${scheme}://${location.host}${config.socket}`);
  let refusedCode = null;
  socket.onopen = () => {
    socket.send(JSON.stringify({ type: "hello", protocol: config.protocol, token,
      last_seq: state.snapshot ? state.snapshot.seq : null, version: "tv" }));
    state.awaitingSnapshot = true;
  };
  socket.onmessage = (message) => {
    const frame = JSON.parse(message.data);
    if (frame.type === "snapshot") {
      state.snapshot = frame.snapshot;
      state.awaitingSnapshot = false;
      tellServerTime(frame.snapshot.site.local_time);
      state.failures = 0;
      setOnline(true);
      render();
      considerCalls();
      document.dispatchEvent(new Event("antrean-snapshot"));  // slides.js looks again
    } else if (frame.type === "event") {
      const event = frame.event;
      if (state.awaitingSnapshot || event.seq <= state.snapshot.seq) return;
      if (event.seq !== state.snapshot.seq + 1) {
        state.awaitingSnapshot = true;
        socket.send(JSON.stringify({ type: "resync", last_seq: state.snapshot.seq }));
        return;
      }
      state.snapshot = applyEvent(state.snapshot, event);
      tellServerTime(event.at);
      render();
      considerCalls();
    } else if (frame.type === "refused") {
      refusedCode = frame.code;
      showRefused(frame.code, frame.message && frame.message.id);
    }
  };
  socket.onclose = (closed) => {
    setOnline(false);
    const refused = closed.code >= 4400 && closed.code < 4500;
    if (refused && !refusedCode) showRefused(closed.reason || String(closed.code), "");
    state.failures += 1;
    const wait = refused ? 30000 : Math.min(3000, 250 * 2 ** state.failures) * (0.5 + Math.random() / 2);
    setTimeout(connect, wait);
  };
}

tellServerTime(state.snapshot.site.local_time);
setOnline(false);
render();
// What was already called when the page opened is shown; only what is fresh is spoken.
considerCalls();
tick();
setInterval(tick, 250);
window.addEventListener("resize", render);
connect();
