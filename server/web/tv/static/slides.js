// The office's pictures (procedures, requirements) beside the queue, one after
// another. The list and the pictures come from the same API a Pi's display uses
// (GET /api/v1/sites/<site>/slides, with this TV's token); the list is asked for
// again on every snapshot, so a picture added on the admin pages appears at
// once, and each picture is fetched only when its digest is new.
"use strict";

(() => {
  const SLIDE_SECONDS = 12;
  const config = JSON.parse(document.getElementById("antrean-config").textContent);
  const token = document.querySelector("meta[name='antrean-device']").content;
  const box = document.getElementById("slide");
  const headers = { Authorization: `Bearer ${token}` };
  let version = null;
  let pictures = [];
  let index = 0;
  let reading = null;

  function show() {
    if (!pictures.length) {
      box.replaceChildren();
      return;
    }
    const picture = pictures[index % pictures.length];
    const img = document.createElement("img");
    img.src = picture.url;
    img.alt = picture.name;
    box.replaceChildren(img);
  }

  async function read() {
    const answer = await fetch(`/api/v1/sites/${encodeURIComponent(config.site)}/slides`,
      { headers, cache: "no-store" });
    if (!answer.ok) return;
    const list = await answer.json();
    if (list.version === version) return;
    const fresh = [];
    for (const slide of list.slides) {
      const kept = pictures.find((p) => p.digest === slide.digest);
      if (kept) { fresh.push(kept); continue; }
      const picture = await fetch(slide.url, { headers });
      if (!picture.ok) continue;
      fresh.push({ digest: slide.digest, name: slide.name,
        url: URL.createObjectURL(await picture.blob()) });
    }
    for (const old of pictures) if (!fresh.includes(old)) URL.revokeObjectURL(old.url);
    pictures = fresh;
    version = list.version;
    index = 0;
    document.body.classList.toggle("with-slides", pictures.length > 0);
    show();
    window.dispatchEvent(new Event("resize"));  // the wall fits its tiles to the new plan
  }

  function refresh() {
    // One reading at a time; a snapshot during one asks for another after it.
    reading = (reading || Promise.resolve()).then(read).catch(() => {});
  }

  setInterval(() => {
    if (pictures.length > 1) {
      index += 1;
      show();
    }
  }, SLIDE_SECONDS * 1000);
  document.addEventListener("antrean-snapshot", refresh);
  setInterval(refresh, 5 * 60 * 1000);
  refresh();
})();
