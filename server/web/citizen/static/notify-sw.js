// Shows the ticket page's notifications on phones whose browsers allow them only
// through a service worker, and brings the page back when one is tapped.
"use strict";

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const url = event.notification.data && event.notification.data.url;
  event.waitUntil((async () => {
    const pages = await self.clients.matchAll({ type: "window", includeUncontrolled: true });
    for (const page of pages) {
      if (url && page.url === url && "focus" in page) return page.focus();
    }
    if (url && self.clients.openWindow) return self.clients.openWindow(url);
    return undefined;
  })());
});
