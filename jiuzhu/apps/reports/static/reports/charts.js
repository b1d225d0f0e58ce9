/* Charts of the statistics and scenario pages (Apache ECharts, vendored under vendor/echarts).
   Data come from the json_script element #chart-data; no inline script (CSP: scripts from 'self'). */
(function () {
  "use strict";
  function ready(fn) { if (document.readyState !== "loading") { fn(); } else { document.addEventListener("DOMContentLoaded", fn); } }
  ready(function () {
    var el = document.getElementById("chart-data");
    if (!el || typeof window.echarts === "undefined") { return; }
    var data = JSON.parse(el.textContent);
    var charts = [];
    function make(id, option) {
      var box = document.getElementById(id);
      if (!box) { return null; }
      var chart = window.echarts.init(box, null, { renderer: "canvas" });
      chart.setOption(option);
      charts.push(chart);
      return chart;
    }
    var grid = { left: 60, right: 20, top: 40, bottom: 60, containLabel: true };
    var axisLabel = { interval: 0, rotate: 20 };
    if (data.categories) {
      make("chart-categories", {
        tooltip: { trigger: "axis" }, legend: { data: data.categories.series }, grid: grid,
        xAxis: { type: "category", data: data.categories.labels, axisLabel: axisLabel }, yAxis: { type: "value" },
        series: [
          { name: data.categories.series[0], type: "bar", data: data.categories.households },
          { name: data.categories.series[1], type: "bar", data: data.categories.persons }
        ]
      });
    }
    if (data.children && data.children.labels.length) {
      var ch = make("chart-children", {
        tooltip: { trigger: "axis" }, grid: grid,
        xAxis: { type: "category", data: data.children.labels, axisLabel: axisLabel }, yAxis: { type: "value" },
        series: [{ name: data.children.series, type: "bar", data: data.children.values, cursor: data.children.drill ? "pointer" : "default" }]
      });
      if (ch && data.children.drill) {
        ch.on("click", function (p) { window.location.href = data.children.urls[p.dataIndex]; });
      }
    }
    if (data.benefits) {
      make("chart-benefits", {
        tooltip: { trigger: "item" },
        series: [{ type: "pie", radius: ["35%", "65%"],
          data: data.benefits.labels.map(function (l, i) { return { name: l, value: Number(data.benefits.values[i]) }; }) }]
      });
    }
    if (data.trend) {
      make("chart-trend", {
        tooltip: { trigger: "axis" }, legend: { data: data.trend.series }, grid: grid,
        xAxis: { type: "category", data: data.trend.labels },
        yAxis: [{ type: "value" }, { type: "value" }],
        series: [
          { name: data.trend.series[0], type: "line", data: data.trend.households },
          { name: data.trend.series[1], type: "line", data: data.trend.persons },
          { name: data.trend.series[2], type: "bar", yAxisIndex: 1, data: data.trend.amount.map(Number) }
        ]
      });
    }
    if (data.entering) {
      make("chart-flows", {
        tooltip: { trigger: "axis" }, legend: { data: data.series }, grid: grid,
        xAxis: { type: "category", data: data.labels, axisLabel: axisLabel }, yAxis: { type: "value" },
        series: [
          { name: data.series[0], type: "bar", stack: "flow", data: data.entering },
          { name: data.series[1], type: "bar", stack: "flow", data: data.leaving }
        ]
      });
    }
    // Generic bar charts of the figures pages: {id, labels, series: [{name, values, stack}], horizontal, urls}.
    (data.bars || []).forEach(function (b) {
      if (!b.labels.length) { return; }
      var category = { type: "category", data: b.labels, axisLabel: b.horizontal ? {} : axisLabel };
      var value = { type: "value" };
      var chart = make(b.id, {
        tooltip: { trigger: "axis" }, legend: { data: b.series.map(function (s) { return s.name; }) }, grid: grid,
        xAxis: b.horizontal ? value : category, yAxis: b.horizontal ? category : value,
        series: b.series.map(function (s) {
          return { name: s.name, type: "bar", stack: s.stack, data: s.values.map(Number),
                   cursor: b.urls ? "pointer" : "default" };
        })
      });
      if (chart && b.urls) {
        chart.on("click", function (p) { if (b.urls[p.dataIndex]) { window.location.href = b.urls[p.dataIndex]; } });
      }
    });
    window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
  });
}());
