// The officer's console, live: the websocket says when something changed,
// the server renders the parts of the page again, and actions go out without
// reloading. Without this script the page still works, one reload per action.
"use strict";

(() => {
  const root = document.getElementById("console");
  if (!root) return;
  const liveUrl = root.dataset.liveUrl;
  const liveMark = document.getElementById("live");
  const toast = document.getElementById("toast");
  let clockOffset = 0; // server time minus this browser's time, in ms

  // --- the parts of the page that change -----------------------------------

  let fetching = false;
  let again = false;

  async function refresh() {
    if (fetching) { again = true; return; }
    fetching = true;
    try {
      const answer = await fetch(liveUrl, { headers: { "X-Requested-With": "fetch" } });
      if (answer.status === 401) { location.reload(); return; }
      if (!answer.ok) return;
      const data = await answer.json();
      for (const [name, html] of Object.entries(data.regions)) {
        const region = document.getElementById(name);
        if (region && region.innerHTML !== html) region.innerHTML = html;
      }
      root.dataset.seq = data.seq;
      settle();
    } catch (error) {
      // The server is away; the socket's reconnect will ask again.
    } finally {
      fetching = false;
      if (again) { again = false; refresh(); }
    }
  }

  function settle() {
    const ticket = document.querySelector("#current .ticket");
    const hasTicket = Boolean(ticket);
    const open = document.querySelector("#state .state-line")?.dataset.state === "open";
    for (const button of document.querySelectorAll("[data-needs-ticket]")) {
      button.disabled = !hasTicket;
    }
    for (const button of document.querySelectorAll("[data-needs-open]")) {
      button.disabled = !open;
    }
    const timer = document.querySelector("#current .timer");
    if (timer && timer.dataset.now) {
      clockOffset = Date.parse(timer.dataset.now) - Date.now();
    }
    tick();
  }

  function tick() {
    for (const timer of document.querySelectorAll(".timer[data-since]")) {
      if (!timer.dataset.since) continue;
      const seconds = Math.max(0, Math.floor((Date.now() + clockOffset - Date.parse(timer.dataset.since)) / 1000));
      const minutes = Math.floor(seconds / 60);
      timer.textContent = `${String(minutes).padStart(2, "0")}:${String(seconds % 60).padStart(2, "0")}`;
      timer.classList.toggle("long", minutes >= 15);
    }
  }

  // --- the websocket ---------------------------------------------------------

  let delay = 500;

  function mark(state) {
    liveMark.textContent = liveMark.dataset[state];
    liveMark.className = `live ${state}`;
  }

  function connect() {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const socket = new WebSocket(`${scheme}://${location.host}/ws`);
    let refused = false;
    socket.onopen = () => {
      socket.send(JSON.stringify({
        type: "hello", protocol: Number(root.dataset.protocol), token: root.dataset.token,
        site: root.dataset.site,
      }));
    };
    socket.onmessage = (message) => {
      let frame;
      try { frame = JSON.parse(message.data); } catch (error) { return; }
      if (frame.type === "snapshot") {
        mark("online");
        delay = 500;
        refresh();
      } else if (frame.type === "event") {
        refresh();
      } else if (frame.type === "refused") {
        refused = true;
        mark("refused");
      }
    };
    socket.onclose = () => {
      if (refused) return; // the session ended: the next action leads to signing in
      mark("offline");
      setTimeout(connect, delay);
      delay = Math.min(delay * 2, 5000);
    };
  }

  // --- actions ---------------------------------------------------------------

  let sending = false;

  function say(text, ok) {
    toast.textContent = text;
    toast.className = `toast shown ${ok ? "ok" : "bad"}`;
  }

  document.addEventListener("submit", async (event) => {
    const form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-live")) return;
    event.preventDefault();
    // One action at a time: a press while one is on its way is ignored, never queued.
    if (sending) return;
    sending = true;
    const data = new FormData(form, event.submitter);
    data.set("request_id", crypto.randomUUID ? crypto.randomUUID() : `${Date.now()}-${Math.random()}`);
    for (const button of form.querySelectorAll("button")) button.classList.add("waiting");
    try {
      const answer = await fetch(form.getAttribute("action"), {
        method: "POST", body: data, headers: { "X-Requested-With": "fetch" },
      });
      if (answer.status === 401) { location.reload(); return; }
      const result = await answer.json();
      say(result.message, result.ok);
      if (result.ok) {
        for (const input of form.querySelectorAll("input[type=text], input:not([type])")) input.value = "";
      }
    } catch (error) {
      say(liveMark.dataset.offline, false);
    } finally {
      for (const button of form.querySelectorAll("button")) button.classList.remove("waiting");
      sending = false;
      refresh();
    }
  });

  // --- the keyboard ----------------------------------------------------------

  document.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    const typing = event.target.closest && event.target.closest("input, select, textarea");
    if (typing) {
      if (event.key === "Escape") event.target.blur();
      return;
    }
    const key = event.key.toLowerCase();
    const button = document.querySelector(`button[data-key="${key}"]`);
    if (button) {
      event.preventDefault();
      if (!button.disabled) button.form.requestSubmit(button);
      return;
    }
    const field = document.querySelector(`[data-focus-key="${key}"]`);
    if (field) {
      event.preventDefault();
      field.focus();
    }
  });

  settle();
  setInterval(tick, 1000);
  setInterval(refresh, 30000); // waiting times move on even when nothing happens
  connect();
})();
