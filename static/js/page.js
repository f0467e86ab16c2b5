// What used to be inline handlers (onsubmit, onchange, onclick, javascript: links), as data
// attributes read here, so the Content-Security-Policy can forbid every inline script.
//   <form data-confirm="Sure?">   asks before submitting
//   <input data-autosubmit>       submits its form when changed
//   <button data-print>           prints the page
//   <a data-back href="…">        goes back in history (the href is the fallback)
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    var form = event.target.closest("form[data-confirm]");
    if (form && !window.confirm(form.dataset.confirm)) event.preventDefault();
  }, true);
  document.addEventListener("change", function (event) {
    if (event.target.matches("[data-autosubmit]") && event.target.form) event.target.form.submit();
  });
  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-print]")) {
      event.preventDefault();
      window.print();
    } else if (event.target.closest("[data-back]") && window.history.length > 1) {
      event.preventDefault();
      window.history.back();
    }
  });
})();
