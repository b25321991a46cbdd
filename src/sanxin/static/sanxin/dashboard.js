/* The dashboards' charts (oversight/dashboard.html): each element with data-chart
   names a json_script block holding {kind, unit, title, categories, series}; this
   draws it with the vendored Apache ECharts. Bars run horizontally (long village
   names stay readable at 320 px), months run along a line. Decal patterns and the
   legend tell the series apart without colour; the table beside each chart is its
   accessible equivalent. No inline script: the page only carries JSON. */
(function () {
  "use strict";

  function read(id) {
    var node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : null;
  }

  function number(v) {
    return v === null || v === undefined ? null : Number(v);
  }

  function option(spec) {
    var unit = spec.unit || "";
    var horizontal = spec.kind === "bar" || spec.kind === "stacked";
    var category = {
      type: "category",
      data: spec.categories,
      axisLabel: { width: 96, overflow: "truncate", interval: 0 },
    };
    var value = { type: "value", axisLabel: { formatter: "{value}" + unit } };
    if (horizontal) {
      category.inverse = true; // the first row on top, as in the table
    } else {
      category.axisLabel.rotate = spec.categories.length > 6 ? 45 : 0;
    }
    return {
      aria: { enabled: true, decal: { show: true } },
      animation: false,
      textStyle: { fontSize: 14 },
      tooltip: {
        trigger: "axis",
        axisPointer: { type: "shadow" },
        valueFormatter: function (v) {
          return v === null || v === undefined ? "—" : v + unit;
        },
      },
      legend: { type: "scroll", top: 0 },
      grid: { left: 8, right: 16, top: 36, bottom: 8, containLabel: true },
      xAxis: horizontal ? value : category,
      yAxis: horizontal ? category : value,
      series: spec.series.map(function (s) {
        return {
          name: s.name,
          type: spec.kind === "line" ? "line" : "bar",
          stack: spec.kind === "stacked" ? "all" : undefined,
          symbol: "circle",
          symbolSize: 8,
          data: s.data.map(number),
        };
      }),
    };
  }

  function draw(el) {
    var spec = read(el.getAttribute("data-chart"));
    if (!spec || !window.echarts) return;
    var rows = spec.categories.length;
    var bars = spec.kind === "line" ? 0 : rows * Math.max(1, spec.kind === "stacked" ? 1 : spec.series.length);
    el.style.height = Math.max(260, Math.min(1200, 60 + bars * 26)) + "px";
    var chart = window.echarts.init(el, null, { renderer: "canvas" });
    chart.setOption(option(spec));
    window.addEventListener("resize", function () {
      chart.resize();
    });
  }

  function start() {
    var els = document.querySelectorAll("[data-chart]");
    for (var i = 0; i < els.length; i++) draw(els[i]);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
