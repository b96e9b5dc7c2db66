// Live refresh: an element with data-refresh-url and data-active="true" (jobs NEW or RUNNING)
// is fetched again every few seconds and replaced by the server's fresh copy, until the copy
// says nothing is active any more. No framework: one small loop.
(function () {
  "use strict";
  var INTERVAL_MS = 2500;

  function schedule(element) {
    if (element.dataset.active !== "true") {
      return;
    }
    window.setTimeout(function () { refresh(element); }, INTERVAL_MS);
  }

  function announce(element, text) {
    var live = element.dataset.live && document.getElementById(element.dataset.live);
    if (live) {
      live.textContent = text;
    }
  }

  function refresh(element) {
    fetch(element.dataset.refreshUrl, { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("HTTP " + response.status);
        }
        return response.text();
      })
      .then(function (html) {
        var holder = document.createElement(element.tagName === "TBODY" ? "table" : "div");
        holder.innerHTML = html.trim();
        var fresh = holder.querySelector("[data-refresh-url]");
        if (!fresh) {
          return;
        }
        element.replaceWith(fresh);
        announce(fresh, fresh.dataset.active === "true"
          ? "Updating while jobs run…" : "Up to date at " + new Date().toLocaleTimeString() + ".");
        schedule(fresh);
      })
      .catch(function (error) {
        announce(element, "Could not refresh (" + error.message + "); retrying.");
        schedule(element);
      });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-refresh-url]").forEach(function (element) {
      if (element.dataset.active === "true") {
        announce(element, "Updating while jobs run…");
      }
      schedule(element);
    });
  });
})();
