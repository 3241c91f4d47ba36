// Applying an event to a site snapshot: the browser's copy of antrean/deltas.py.
// Every event carries the ticket as it is right after the change: take it out of
// wherever it was and put it back where its status says; count the waiting again.
"use strict";

const RECENT_CALLS = 10;
const CALL_EVENTS = new Set(["called", "recalled"]);
const AT_COUNTER = new Set(["called", "serving"]);

function applyEvent(snapshot, event) {
  if (event.seq <= snapshot.seq || event.site !== snapshot.site.code) return snapshot;
  let waiting = snapshot.waiting.slice();
  let counters = snapshot.counters.slice();
  let calls = snapshot.recent_calls.slice();
  let services = snapshot.services.slice();
  const ticket = event.ticket;
  if (ticket) {
    waiting = waiting.filter((t) => t.id !== ticket.id);
    counters = counters.map((c) => {
      const here = AT_COUNTER.has(ticket.status) && ticket.counter === c.number;
      if (here) return { ...c, current: ticket };
      if (c.current && c.current.id === ticket.id) return { ...c, current: null };
      return c;
    });
    if (ticket.status === "waiting") {
      waiting.push(ticket);
      waiting.sort((a, b) => (a.issued_at < b.issued_at ? -1 : a.issued_at > b.issued_at ? 1
        : a.id - b.id));
    }
    if (CALL_EVENTS.has(event.type) && ticket.counter !== null && ticket.counter !== undefined) {
      const call = {
        ticket_id: ticket.id, code: ticket.code, service: ticket.service,
        counter: ticket.counter, at: ticket.called_at || event.at, call_count: ticket.call_count,
      };
      const limit = Math.max(RECENT_CALLS, calls.length);
      calls = [call, ...calls.filter((c) => c.ticket_id !== ticket.id)].slice(0, limit);
    } else if (ticket.counter === null || ticket.counter === undefined) {
      calls = calls.filter((c) => c.ticket_id !== ticket.id);
    }
    if (event.type === "issued") {
      services = services.map((s) => (s.code === ticket.service
        ? { ...s, issued_today: s.issued_today + 1 } : s));
    }
  }
  if (event.type === "counter_changed" && event.counter !== null) {
    const state = (event.data && event.data.state) || "open";
    counters = counters.map((c) => (c.number === event.counter ? { ...c, state } : c));
  }
  const counts = {};
  for (const t of waiting) counts[t.service] = (counts[t.service] || 0) + 1;
  services = services.map((s) => ({ ...s, waiting: counts[s.code] || 0 }));
  return { ...snapshot, seq: event.seq, waiting, counters, recent_calls: calls, services };
}
