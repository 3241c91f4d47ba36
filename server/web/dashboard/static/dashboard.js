// The live dashboard: panels replaced when the server says an office changed;
// running times tick here, from the moments written in the page.
(function () {
  "use strict";
  var sites = document.getElementById("sites");
  var mark = document.getElementById("live");
  if (!sites) { return; }
  var skew = 0; // server time minus this browser's, from the last panel received

  function learnSkew(panel) {
    var now = Date.parse(panel.getAttribute("data-now"));
    if (!isNaN(now)) { skew = now - Date.now(); }
  }

  function span(seconds) {
    seconds = Math.max(0, Math.floor(seconds));
    var hours = Math.floor(seconds / 3600);
    var minutes = Math.floor((seconds % 3600) / 60);
    var rest = seconds % 60;
    var mm = (hours ? String(minutes).padStart(2, "0") : String(minutes));
    return (hours ? hours + ":" : "") + mm + ":" + String(rest).padStart(2, "0");
  }

  function tick() {
    var now = Date.now() + skew;
    var timers = document.querySelectorAll("[data-since]");
    for (var i = 0; i < timers.length; i++) {
      var since = Date.parse(timers[i].getAttribute("data-since"));
      if (isNaN(since)) { continue; }
      var seconds = (now - since) / 1000;
      timers[i].textContent = (timers[i].classList.contains("ago") ? "· " : "") + span(seconds);
      var limit = Number(timers[i].getAttribute("data-limit"));
      if (limit) { timers[i].classList.toggle("late", seconds > limit); }
    }
  }

  function place(code, html) {
    var holder = document.createElement("div");
    holder.innerHTML = html;
    var fresh = holder.firstElementChild;
    var old = document.getElementById("site-" + code);
    var known = {};
    if (old) {
      old.querySelectorAll(".alert").forEach(function (a) {
        known[a.getAttribute("data-kind") + "|" + a.getAttribute("data-subject")] = true;
      });
      fresh.querySelectorAll(".alert").forEach(function (a) {
        if (!known[a.getAttribute("data-kind") + "|" + a.getAttribute("data-subject")]) {
          a.classList.add("new");
        }
      });
      old.replaceWith(fresh);
    } else {
      sites.appendChild(fresh);
    }
    learnSkew(fresh);
    tick();
  }

  var delay = 500;
  function connect() {
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    var socket = new WebSocket(scheme + location.host + sites.getAttribute("data-live"));
    socket.onopen = function () {
      delay = 500;
      mark.classList.add("online");
      mark.textContent = mark.getAttribute("data-online");
    };
    socket.onmessage = function (event) {
      var message = JSON.parse(event.data);
      place(message.site, message.html);
    };
    socket.onclose = function (event) {
      mark.classList.remove("online");
      mark.textContent = mark.getAttribute("data-offline");
      if (event.code === 4401) { location.reload(); return; }
      setTimeout(connect, delay);
      delay = Math.min(delay * 2, 8000);
    };
  }

  document.querySelectorAll(".site-panel").forEach(learnSkew);
  tick();
  setInterval(tick, 1000);
  connect();
})();
