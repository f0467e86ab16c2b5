// Availability form: keep the period on whole hours and the end after the start.
(function () {
  "use strict";
  var start = document.getElementById("id_start");
  var end = document.getElementById("id_end");
  if (!start || !end) return;

  function parse(value) {
    // "YYYY-MM-DDTHH:MM" read as local wall-clock time, which is what the picker shows.
    var m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})/.exec(value || "");
    return m ? new Date(+m[1], m[2] - 1, +m[3], +m[4], +m[5]) : null;
  }
  function format(date) {
    function two(n) { return (n < 10 ? "0" : "") + n; }
    return date.getFullYear() + "-" + two(date.getMonth() + 1) + "-" + two(date.getDate()) +
      "T" + two(date.getHours()) + ":00";
  }
  function onTheHour(input) {
    var date = parse(input.value);
    if (date && date.getMinutes() !== 0) {
      date.setMinutes(0);
      input.value = format(date);
    }
    return date;
  }
  start.addEventListener("change", function () {
    var from = onTheHour(start);
    var until = parse(end.value);
    if (from && (!until || until <= from)) {
      end.value = format(new Date(from.getTime() + 24 * 3600 * 1000));
    }
  });
  end.addEventListener("change", function () { onTheHour(end); });
})();
