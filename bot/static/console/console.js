// Keeps parts of a console page current without a reload: every element with data-refresh-url is
// replaced by the server's fresh HTML fragment (escaped by the server) every few seconds.
"use strict";
(function () {
  const PERIOD_MS = 2000;
  function refresh(element) {
    const url = element.getAttribute("data-refresh-url");
    const scroller = element.querySelector(".transcript") || element;
    const atBottom = scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < 40;
    fetch(url, { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (answer) {
        if (answer.status === 401) { window.location.href = "/console/login"; return null; }
        return answer.ok ? answer.text() : null;
      })
      .then(function (html) {
        if (html === null || html === element.getAttribute("data-last")) { return; }
        element.setAttribute("data-last", html);
        element.innerHTML = html;
        const fresh = element.querySelector(".transcript") || element;
        if (atBottom) { fresh.scrollTop = fresh.scrollHeight; }
      })
      .catch(function () { /* offline for a moment: try again next time */ });
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-refresh-url]").forEach(function (element) {
      const transcript = element.querySelector(".transcript");
      if (transcript) { transcript.scrollTop = transcript.scrollHeight; }
      window.setInterval(function () { refresh(element); }, PERIOD_MS);
    });
  });
})();
