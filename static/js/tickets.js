/* Service tickets: live countdowns to each deadline, and the fee form's surcharge preview.
 * Plain JavaScript; labels come translated from the page (data attributes), times from the server
 * in ISO 8601, so the phone's own clock only measures the time left. */
(function () {
  "use strict";

  function pad(n) { return n < 10 ? "0" + n : String(n); }

  // The server's clock minus the phone's, so a phone set wrong still counts right.
  var skew = 0;
  var clock = document.querySelector("[data-server-now]");
  if (clock) { skew = Date.parse(clock.getAttribute("data-server-now")) - Date.now(); }
  // "{days}d {time}" in the page's language (1天 15:03:45 on a Chinese page).
  var daysFormat = document.body.getAttribute("data-days") || "{days}d {time}";

  function span(ms) {
    var s = Math.floor(Math.abs(ms) / 1000);
    var d = Math.floor(s / 86400), h = Math.floor((s % 86400) / 3600);
    var m = Math.floor((s % 3600) / 60), sec = s % 60;
    var text = pad(h) + ":" + pad(m) + ":" + pad(sec);
    return d > 0 ? daysFormat.replace("{days}", d).replace("{time}", text) : text;
  }

  function tick() {
    var nodes = document.querySelectorAll("[data-deadline]");
    var t = Date.now() + skew;
    for (var i = 0; i < nodes.length; i++) {
      var el = nodes[i];
      var left = Date.parse(el.getAttribute("data-deadline")) - t;
      var soon = parseInt(el.getAttribute("data-soon-ms") || "3600000", 10);
      var label = left >= 0 ? el.getAttribute("data-left") : el.getAttribute("data-overdue");
      el.textContent = (label || "{time}").replace("{time}", span(left));
      el.classList.toggle("overdue", left < 0);
      el.classList.toggle("soon", left >= 0 && left < soon);
    }
  }

  function money(x) { return (Math.round(x * 100) / 100).toFixed(2); }

  function surchargePreview() {
    var box = document.querySelector("[data-surcharge-rate]");
    var input = document.querySelector("input[name=fee]");
    if (!box || !input) { return; }
    var rate = parseFloat(box.getAttribute("data-surcharge-rate"));
    var blocks = parseInt(box.getAttribute("data-surcharge-blocks"), 10);
    var transport = parseFloat(box.getAttribute("data-transport") || "0");
    var out = box.querySelector("[data-surcharge-amount]");
    var total = box.querySelector("[data-total-amount]");
    function update() {
      var fee = parseFloat(input.value);
      if (isNaN(fee)) { out.textContent = "–"; total.textContent = "–"; return; }
      var extra = Math.max(0, fee - transport) * rate * blocks;
      out.textContent = money(extra);
      total.textContent = money(fee + extra);
    }
    input.addEventListener("input", update);
    update();
  }

  document.addEventListener("DOMContentLoaded", function () {
    tick();
    if (document.querySelector("[data-deadline]")) { setInterval(tick, 1000); }
    surchargePreview();
  });
})();
