// Refreshes any element with data-poll-url by fetching that URL and replacing its content, until
// the content carries data-final="1". With data-poll-reload the page reloads once it is final.
(function () {
  "use strict";
  function isFinal(el) { return el.querySelector('[data-final="1"]') !== null; }
  function poll(el) {
    var every = parseInt(el.dataset.pollInterval || "1500", 10);
    if (isFinal(el)) { return; }
    function tick() {
      fetch(el.dataset.pollUrl, { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
        .then(function (r) {
          // The admin answers a logged-out fetch with a redirect to its login page: show that page
          // itself instead of pasting it into the panel and polling it forever.
          if (r.redirected) { window.location.reload(); throw new Error("redirected"); }
          if (!r.ok) { throw new Error(r.status); }
          return r.text();
        })
        .then(function (html) {
          el.innerHTML = html;
          if (isFinal(el)) { if (el.dataset.pollReload) { window.location.reload(); } return; }
          setTimeout(tick, every);
        })
        .catch(function () { setTimeout(tick, every * 3); });
    }
    setTimeout(tick, every);
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-poll-url]").forEach(poll);
  });
})();
