/* The big screen (/oversight/screen/): draws the charts of the JSON in #screen-data with
   ECharts, then re-reads the endpoint named by #screen[data-source] every
   data-refresh seconds and redraws figures and charts in place. No inline script. */
(function () {
  "use strict";

  var PALETTE = ["#4fc3f7", "#ffd54f", "#81c784", "#ff8a65", "#ba68c8", "#e0e0e0"];
  var GRADE_PALETTE = ["#90a4ae", "#b3e5fc", "#4fc3f7", "#0288d1", "#ffd54f", "#ff8f00"];
  var TEXT = "#f5f7fa";
  var MUTED = "#b8c4d6";
  var GRID = "#34445e";

  var frame = document.getElementById("screen");
  if (!frame) { return; }
  var charts = {};
  var current = null;  // the data last drawn (a resize redraws it at the new size)

  function number(v) { return typeof v === "number" ? v : Number(v); }

  function fontSize() {
    // Chart text follows the window: readable at 1280×720 and at 1920×1080.
    return Math.max(14, Math.round(window.innerHeight / 54));
  }

  function axisStyle(size) {
    return {
      axisLabel: { color: MUTED, fontSize: size },
      axisLine: { lineStyle: { color: GRID } },
      splitLine: { lineStyle: { color: GRID } }
    };
  }

  function merge(a, b) {
    var out = {}, k;
    for (k in a) { out[k] = a[k]; }
    for (k in b) { out[k] = b[k]; }
    return out;
  }

  function option(spec) {
    var size = fontSize();
    var base = {
      backgroundColor: "transparent",
      textStyle: { color: TEXT, fontSize: size },
      animationDuration: 600,
      legend: { top: 0, textStyle: { color: TEXT, fontSize: size }, itemWidth: size, itemHeight: size },
      tooltip: { trigger: spec.kind === "pie" ? "item" : "axis", textStyle: { fontSize: size } }
    };
    if (spec.kind === "pie") {
      return merge(base, {
        color: GRADE_PALETTE,
        legend: merge(base.legend, { type: "scroll" }),
        series: [{
          type: "pie",
          radius: ["38%", "68%"],
          center: ["50%", "58%"],
          label: { color: TEXT, fontSize: size, formatter: "{b}\n{c}" },
          data: spec.categories.map(function (name, i) {
            return { name: name, value: number(spec.series[0].data[i]) };
          })
        }]
      });
    }
    var stacked = spec.kind === "stack";
    var twoAxes = spec.axes === 2 && spec.series.length === 2;  // e.g. count and amount
    var rotate = spec.categories.length > 6 ? 30 : 0;
    var yAxes = [merge(axisStyle(size), { type: "value", minInterval: 1 })];
    if (twoAxes) {
      yAxes.push(merge(axisStyle(size), { type: "value", minInterval: 1, splitLine: { show: false } }));
    }
    return merge(base, {
      color: stacked ? GRADE_PALETTE.slice(1) : PALETTE,
      grid: { left: "2%", right: "2%", top: size * 3, bottom: "2%", containLabel: true },
      xAxis: merge(axisStyle(size), {
        type: "category",
        data: spec.categories,
        axisLabel: { color: MUTED, fontSize: size, rotate: rotate, interval: 0 }
      }),
      yAxis: yAxes,
      series: spec.series.map(function (s, i) {
        return {
          name: s.name,
          type: spec.kind === "line" ? "line" : "bar",
          stack: stacked ? "total" : undefined,
          yAxisIndex: twoAxes ? i : 0,
          barMaxWidth: size * 3,
          label: { show: !stacked && !twoAxes && spec.categories.length <= 8, position: "top", color: TEXT, fontSize: size - 2 },
          data: s.data.map(number)
        };
      })
    });
  }

  function draw(data) {
    if (typeof window.echarts === "undefined") { return; }
    data.charts.forEach(function (spec) {
      var box = frame.querySelector('[data-chart="' + spec.id + '"]');
      if (!box) { return; }
      var chart = charts[spec.id];
      if (!chart) {
        chart = charts[spec.id] = window.echarts.init(box, null, { renderer: "canvas" });
      }
      chart.setOption(option(spec), true);
      box.setAttribute("data-drawn", "true");
    });
  }

  function figures(data) {
    var box = document.getElementById("screen-figures");
    box.textContent = "";
    data.headline.forEach(function (f) {
      var div = document.createElement("div");
      div.className = "screen-figure";
      [["screen-value", f.text], ["screen-unit", f.value === null ? "" : f.unit], ["screen-label", f.label]].forEach(function (p) {
        var span = document.createElement("span");
        span.className = p[0];
        span.textContent = p[1];
        div.appendChild(span);
      });
      box.appendChild(div);
    });
    document.getElementById("screen-updated").textContent = data.updated;
    document.getElementById("screen-title").textContent = data.title;
  }

  function status(text) { document.getElementById("screen-status").textContent = text; }

  function refresh() {
    fetch(frame.getAttribute("data-source"), { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) {
        var type = response.headers.get("Content-Type") || "";
        if (response.redirected || type.indexOf("application/json") !== 0) {
          window.location.reload();  // the session ended: the login page takes over
          return null;
        }
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.json();
      })
      .then(function (data) {
        if (!data) { return; }
        var ids = data.charts.map(function (c) { return c.id; }).join(",");
        if (ids !== Object.keys(charts).join(",") && Object.keys(charts).length) {
          window.location.reload();  // another set of charts: lay the page out again
          return;
        }
        current = data;
        figures(data);
        draw(data);
        status("");
      })
      .catch(function () { status("数据暂未更新，稍后自动重试"); });
  }

  function start() {
    current = JSON.parse(document.getElementById("screen-data").textContent);
    draw(current);
    var seconds = Number(frame.getAttribute("data-refresh")) || 60;
    window.setInterval(refresh, seconds * 1000);
    window.addEventListener("resize", function () {
      Object.keys(charts).forEach(function (id) { charts[id].resize(); });
      draw(current);
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
