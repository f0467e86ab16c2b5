/* Today: refresh the counts every minute without reloading the page. The rows stay as loaded
 * (they link to where the work is done); a changed count is highlighted so staff notice it. */
(function () {
  "use strict";
  var root = document.getElementById("today");
  if (!root || !window.fetch) { return; }
  var url = root.getAttribute("data-counts-url");
  var stamp = root.querySelector("[data-refreshed]");
  var stale = root.querySelector("[data-stale]");

  function apply(counts) {
    Object.keys(counts).forEach(function (name) {
      var nodes = root.querySelectorAll('[data-count="' + name + '"]');
      for (var i = 0; i < nodes.length; i++) {
        var text = String(counts[name]);
        if (nodes[i].textContent !== text) {
          nodes[i].textContent = text;
          nodes[i].classList.add("changed");
          if (stale) { stale.hidden = false; }
        }
      }
    });
    if (stamp) {
      var now = new Date();
      stamp.textContent = ("0" + now.getHours()).slice(-2) + ":" + ("0" + now.getMinutes()).slice(-2);
    }
  }

  function refresh() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) { if (data && data.counts) { apply(data.counts); } })
      .catch(function () { /* offline for a moment: try again next minute */ });
  }

  var every = parseInt(root.getAttribute("data-refresh-ms") || "60000", 10);
  window.setInterval(refresh, every);
})();
