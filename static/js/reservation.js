// The reservation form: add model lines, show or hide the address, and keep the quote live.
(function () {
  "use strict";
  const form = document.getElementById("reserve-form");
  if (!form) return;
  const lines = document.getElementById("lines");
  const quote = document.getElementById("quote");
  const address = form.querySelector("[name=address]");

  document.getElementById("add-line").addEventListener("click", function () {
    const rows = lines.querySelectorAll(".line");
    if (rows.length >= 10) return;
    const copy = rows[0].cloneNode(true);
    const n = rows.length;
    copy.querySelector("select").name = "model_" + n;
    copy.querySelector("select").value = "";
    copy.querySelector("input").name = "quantity_" + n;
    copy.querySelector("input").value = "1";
    lines.appendChild(copy);
  });

  function syncAddress() {
    const delivery = form.querySelector("[name=fulfilment]:checked");
    const field = address && address.closest(".field");
    if (field) field.hidden = !(delivery && delivery.value === "delivery");
  }

  let timer = null;
  let inflight = null;
  function refreshQuote() {
    clearTimeout(timer);
    timer = setTimeout(function () {
      if (inflight) inflight.abort();
      inflight = new AbortController();
      fetch(form.dataset.quoteUrl, {
        method: "POST",
        body: new FormData(form),
        headers: { "X-Requested-With": "fetch" },
        signal: inflight.signal,
        credentials: "same-origin",
      })
        .then(function (r) { return r.text(); })
        .then(function (html) { quote.innerHTML = html; })
        .catch(function () {});
    }, 250);
  }

  form.addEventListener("change", function () { syncAddress(); refreshQuote(); });
  form.addEventListener("input", refreshQuote);
  syncAddress();
  refreshQuote();
})();
