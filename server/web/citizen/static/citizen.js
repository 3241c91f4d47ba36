// The ticket page, live. The server words everything (in the page's language);
// this script only puts the words in place, and sounds, vibrates and notifies
// when the citizen is called. Without it the page refreshes itself every 30 s.
"use strict";

(() => {
  const root = document.getElementById("ticket");
  if (!root) return;
  const data = root.dataset;
  const $ = (id) => document.getElementById(id);
  const body = document.body;
  const pollSeconds = Number(data.pollSeconds) || 30;
  let last = { status: data.status, calls: Number(data.calls) || 0, near: data.near === "yes" };
  body.dataset.chimes = "0";

  // --- putting a status in place -------------------------------------------

  function show(p) {
    if (p.type !== "status") return;
    body.className = body.className.replace(/\bstatus-\S+/, "") + " status-" + p.status;
    body.className = body.className.trim();
    $("status").textContent = p.status_words;
    $("hint").textContent = p.hint;
    $("code").textContent = p.code;
    const atCounter = p.counter !== null && p.counter !== undefined;
    $("called").hidden = !atCounter;
    $("counter").textContent = atCounter ? String(p.counter) : "";
    $("facts").hidden = p.ahead_words === null || p.ahead_words === undefined;
    $("ahead").textContent = p.ahead_words || "";
    $("wait").textContent = p.wait_words || "";
    $("updated").textContent = data.updatedWords.replace("{time}", p.updated);
    const texts = $("texts");
    if (texts && p.status !== "waiting") texts.hidden = true;

    const calledNow = p.status === "called" &&
      (last.status !== "called" || p.calls > last.calls);
    if (calledNow) alarm(p);
    else if (p.near && !last.near) notify(p.alert_title, p.alert_body, [120]);
    if (p.status === "done" && last.status !== "done") fetchAfter();
    last = { status: p.status, calls: p.calls, near: p.near };
    data.status = p.status;
  }

  async function fetchAfter() {
    try {
      const answer = await fetch(data.afterUrl, { cache: "no-store" });
      if (answer.ok) $("after").innerHTML = await answer.text();
    } catch (error) { /* the next refresh of the page shows it */ }
  }

  // --- sound, vibration, notifications ---------------------------------------

  let audio = null;
  function chime(times) {
    if (!audio) return false;
    const start = audio.currentTime + 0.05;
    for (let i = 0; i < times; i++) {
      [[784, 0], [659, 0.55]].forEach(([hz, offset]) => {
        const at = start + i * 1.4 + offset;
        const tone = audio.createOscillator();
        const gain = audio.createGain();
        tone.type = "sine";
        tone.frequency.value = hz;
        gain.gain.setValueAtTime(0.0001, at);
        gain.gain.exponentialRampToValueAtTime(0.6, at + 0.02);
        gain.gain.exponentialRampToValueAtTime(0.0001, at + 0.9);
        tone.connect(gain).connect(audio.destination);
        tone.start(at);
        tone.stop(at + 1);
      });
    }
    return audio.state === "running";
  }

  function vibrate(pattern) {
    try { return navigator.vibrate ? navigator.vibrate(pattern) : false; } catch (e) { return false; }
  }

  let worker = null;
  async function notify(title, text, pattern) {
    if (!title || !("Notification" in window) || Notification.permission !== "granted") return;
    const options = { body: text || "", tag: "antrean-" + data.id, renotify: true,
                      vibrate: pattern, data: { url: location.href } };
    try {
      if (worker) await worker.showNotification(title, options);
      else new Notification(title, options);
    } catch (error) { /* a phone that allows neither: sound and vibration remain */ }
  }

  function alarm(p) {
    if (chime(3)) body.dataset.chimes = String(Number(body.dataset.chimes) + 1);
    vibrate([400, 200, 400, 200, 800]);
    notify(p.alert_title, p.alert_body, [400, 200, 400]);
    document.title = "🔔 " + (p.alert_title || document.title);
    window.scrollTo({ top: 0, behavior: "smooth" });
  }

  async function useWorker() {
    if (!("serviceWorker" in navigator) || !window.isSecureContext) return;
    try { worker = await navigator.serviceWorker.register(data.swUrl); } catch (e) { worker = null; }
  }

  function setUpAlerts() {
    $("alerts").hidden = false;
    $("alerts-on").addEventListener("click", () => {
      const Context = window.AudioContext || window.webkitAudioContext;
      if (Context && !audio) audio = new Context();
      if (audio) audio.resume().then(() => chime(1));
      vibrate(80);
      $("alerts-on").hidden = true;
      $("alerts-done").hidden = false;
      body.dataset.alerts = "on";
    });
    const canNotify = "Notification" in window && window.isSecureContext;
    if (!canNotify) return;
    const shown = () => {
      $("notify-on").hidden = Notification.permission !== "default";
      $("notify-done").hidden = Notification.permission !== "granted";
      $("notify-blocked").hidden = Notification.permission !== "denied";
    };
    shown();
    if (Notification.permission === "granted") useWorker();
    $("notify-on").addEventListener("click", async () => {
      await Notification.requestPermission();
      if (Notification.permission === "granted") await useWorker();
      shown();
    });
  }

  // --- the papers checklist, kept on this phone --------------------------------

  function setUpPapers() {
    const key = "antrean-papers-" + data.id;
    let ticked = [];
    try { ticked = JSON.parse(localStorage.getItem(key) || "[]"); } catch (e) { ticked = []; }
    for (const box of document.querySelectorAll("[data-paper]")) {
      box.checked = ticked.includes(box.dataset.paper);
      box.addEventListener("change", () => {
        const now = [...document.querySelectorAll("[data-paper]:checked")].map((b) => b.dataset.paper);
        try { localStorage.setItem(key, JSON.stringify(now)); } catch (e) { /* private mode */ }
      });
    }
  }

  // --- the live channel, and asking now and then when it cannot get through ------

  const mark = $("live-mark");
  function marked(state) {
    root.dataset.live = state;
    mark.className = "live-mark " + (state === "on" ? "on" : "off");
    mark.textContent = state === "on" ? data.liveOn : state === "ended" ? data.liveEnded
      : state === "polling" ? data.livePolling : data.liveReconnecting;
  }

  let pollTimer = null;
  async function poll() {
    try {
      const answer = await fetch(data.stateUrl, { cache: "no-store" });
      if (answer.status === 404) { ended(); return; }
      if (answer.ok) show(await answer.json());
    } catch (error) { /* the network is away; ask again later */ }
  }
  function startPolling() {
    if (pollTimer === null) pollTimer = setInterval(poll, pollSeconds * 1000);
  }
  function stopPolling() {
    if (pollTimer !== null) { clearInterval(pollTimer); pollTimer = null; }
  }

  let stopped = false;
  function ended() { stopped = true; clearTimeout(watchdog); stopPolling(); marked("ended"); }

  // A socket can also open and then say nothing: a proxy that holds it, a network
  // gone without a word. The server sends every page its status when it opens and
  // at least once a minute after, so a socket silent for longer is given up.
  const firstSeconds = Number(data.firstSeconds) || 15;
  const silentSeconds = Number(data.silentSeconds) || 150;
  let watchdog = null;
  function watch(socket, seconds) {
    clearTimeout(watchdog);
    watchdog = setTimeout(() => {
      socket.onclose = null;
      socket.onmessage = null;
      try { socket.close(); } catch (e) { /* already closing */ }
      lost(0);
    }, seconds * 1000);
  }

  let failures = 0;
  function lost(code) {
    clearTimeout(watchdog);
    if (stopped) return;
    if (code === 4404) { ended(); return; }
    failures += 1;
    // Busy or unreachable: ask over plain HTTP meanwhile, and try the socket again later.
    const polling = failures > 1 || code === 1013;
    marked(polling ? "polling" : "reconnecting");
    if (polling) { poll(); startPolling(); }
    const wait = Math.min(30, 2 ** Math.min(failures, 5)) * (0.75 + Math.random() / 2);
    setTimeout(connect, wait * 1000);
  }

  function connect() {
    if (stopped) return;
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    let socket;
    try { socket = new WebSocket(scheme + "//" + location.host + data.livePath); } catch (e) {
      marked("polling"); startPolling(); return;
    }
    watch(socket, firstSeconds);
    socket.onopen = () => socket.send(JSON.stringify({ token: data.token, lang: data.lang }));
    socket.onmessage = (message) => {
      failures = 0;
      stopPolling();
      marked("on");
      watch(socket, silentSeconds);
      try { show(JSON.parse(message.data)); } catch (e) { /* not ours to read */ }
    };
    socket.onclose = (closing) => lost(closing.code);
  }

  setUpAlerts();
  setUpPapers();
  connect();
})();
