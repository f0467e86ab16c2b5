/* Report charts with ECharts. Each chart's numbers come from a data-chart attribute written by
 * the server from the same rows as the table under it, so the page also reads without JS. */
(function () {
  "use strict";
  if (!window.echarts) { return; }
  var lang = (document.documentElement.lang || "zh-hans").indexOf("zh") === 0 ? "ZH" : "EN";
  var palette = ["#1f5fbf", "#e8912d", "#3a9d5d", "#c0392b", "#8e5ccf", "#5b6b7f"];

  function fmt(unit) {
    return function (v) {
      if (v === null || v === undefined) { return "—"; }
      if (unit === "percent") { return v + "%"; }
      if (unit === "money") { return "¥" + Number(v).toLocaleString(undefined, { maximumFractionDigits: 0 }); }
      return Number(v).toLocaleString();
    };
  }

  function option(spec) {
    var kind = spec.kind;
    var series = spec.series;
    var base = {
      color: palette,
      tooltip: { trigger: kind === "pie" ? "item" : "axis" },
      legend: { top: 0, type: "scroll" },
      grid: { left: 8, right: 8, top: 36, bottom: 8, containLabel: true },
      animation: false
    };
    if (kind === "pie") {
      base.series = [{
        type: "pie", radius: ["35%", "65%"],
        data: spec.x.map(function (name, i) { return { name: name, value: series[0].data[i] }; }),
        label: { formatter: "{b}: {d}%" }
      }];
      return base;
    }
    var lineLast = kind === "bar+line" || kind === "stack+line";
    // A second axis only when the line measures something else (a share against counts).
    var ownAxis = lineLast && series[series.length - 1].unit !== series[0].unit;
    var stacked = kind.indexOf("stack") === 0;
    var horizontal = kind === "hbar";
    var category = { type: "category", data: spec.x, axisLabel: { hideOverlap: true } };
    var valueAxis = { type: "value", axisLabel: { formatter: fmt(series[0].unit) } };
    base.xAxis = horizontal ? valueAxis : category;
    base.yAxis = horizontal ? Object.assign({}, category, { inverse: true }) : [valueAxis];
    if (ownAxis && !horizontal) {
      var last = series[series.length - 1];
      base.yAxis.push({ type: "value", axisLabel: { formatter: fmt(last.unit) }, splitLine: { show: false },
                        max: last.unit === "percent" ? 100 : null });
    }
    base.series = series.map(function (s, i) {
      var asLine = lineLast && i === series.length - 1;
      return {
        name: s.name, data: s.data,
        type: asLine ? "line" : "bar",
        yAxisIndex: asLine && ownAxis && !horizontal ? 1 : 0,
        stack: stacked && !asLine ? "total" : undefined,
        tooltip: { valueFormatter: fmt(s.unit) },
        smooth: false, connectNulls: true, barMaxWidth: 36
      };
    });
    return base;
  }

  var charts = [];
  var nodes = document.querySelectorAll("[data-chart]");
  for (var i = 0; i < nodes.length; i++) {
    try {
      var spec = JSON.parse(nodes[i].getAttribute("data-chart"));
      var chart = window.echarts.init(nodes[i], null, { locale: lang, renderer: "canvas" });
      chart.setOption(option(spec));
      charts.push(chart);
    } catch (e) { nodes[i].hidden = true; }
  }
  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
})();
