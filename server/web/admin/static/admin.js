// The admin pages work without this file; it only spares clicks and mistakes:
// a question before revoking or retiring, the office picker, copying a token,
// and fields that make no sense for the current choice greyed out.
"use strict";

document.addEventListener("submit", (event) => {
  const form = event.target;
  const question = form.dataset ? form.dataset.confirm : null;
  if (question && !window.confirm(question)) event.preventDefault();
});

const picker = document.getElementById("site-picker");
if (picker) {
  picker.addEventListener("change", () => {
    if (picker.value) window.location.href = picker.dataset.go + encodeURIComponent(picker.value);
  });
}

for (const button of document.querySelectorAll("[data-copy]")) {
  button.addEventListener("click", async () => {
    const text = document.getElementById(button.dataset.copy).textContent.trim();
    try {
      await navigator.clipboard.writeText(text);
      button.textContent = "✓";
    } catch (error) {
      const range = document.createRange();
      range.selectNodeContents(document.getElementById(button.dataset.copy));
      window.getSelection().removeAllRanges();
      window.getSelection().addRange(range);
    }
  });
}

function follow(checkbox, target) {
  const apply = () => {
    for (const input of target.querySelectorAll("input")) input.disabled = !checkbox.checked;
    target.classList.toggle("off", !checkbox.checked);
  };
  checkbox.addEventListener("change", apply);
  apply();
}

const ownHours = document.querySelector("input[name='own_hours']");
const hoursBox = document.getElementById("own-hours");
if (ownHours && hoursBox) follow(ownHours, hoursBox);

const kind = document.getElementById("f-kind");
const counters = document.getElementById("pick-counters");
if (kind && counters) {
  const apply = () => {
    const keypad = kind.value === "counter";
    counters.hidden = !keypad;
    for (const input of counters.querySelectorAll("input")) input.disabled = !keypad;
  };
  kind.addEventListener("change", apply);
  apply();
}

// Ticking a service for a counter gives it the next place in the order.
const serveTable = document.getElementById("serve-table");
if (serveTable) {
  serveTable.addEventListener("change", (event) => {
    const box = event.target;
    if (!box.name || !box.name.startsWith("serve_")) return;
    const order = serveTable.querySelector(`input[name='order_${box.name.slice(6)}']`);
    if (!box.checked) { order.value = ""; return; }
    if (order.value) return;
    const taken = [...serveTable.querySelectorAll("input[name^='order_']")]
      .map((input) => parseInt(input.value, 10)).filter((n) => !Number.isNaN(n));
    order.value = String(Math.max(0, ...taken) + 1);
  });
}
