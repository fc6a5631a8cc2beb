// lot's report page: draws every chart from the JSON object in #lot-data
// with uPlot, and in live mode (data-live on <html>, the URL of the
// server-sent events) appends each interval as it comes and switches to the
// final report when the run ends. Names from the run only ever reach the
// page as text (textContent), never as markup.
(function () {
  'use strict';
  var root = document.documentElement;
  var live = root.getAttribute('data-live');
  var D = JSON.parse(document.getElementById('lot-data').textContent);
  var charts = [];
  var shape = '';

  var C = { blue: '#0969da', orange: '#d4741d', red: '#cf222e', purple: '#8250df',
    green: '#1a7f37', gray: '#6e7781' };

  function trim(x) {
    var a = Math.abs(x);
    var s = a >= 100 ? x.toFixed(0) : a >= 10 ? x.toFixed(1) : x.toFixed(2);
    return s.indexOf('.') < 0 ? s : s.replace(/\.?0+$/, '');
  }
  function num(v) {
    if (v == null || !isFinite(v)) return '–';
    var a = Math.abs(v);
    if (a >= 1e9) return trim(v / 1e9) + 'G';
    if (a >= 1e6) return trim(v / 1e6) + 'M';
    if (a >= 1e4) return trim(v / 1e3) + 'k';
    return trim(v);
  }
  function us(v) {
    if (v == null || !isFinite(v)) return '–';
    if (v < 1000) return trim(v) + ' µs';
    if (v < 1e6) return trim(v / 1e3) + ' ms';
    if (v < 6e7) return trim(v / 1e6) + ' s';
    return trim(v / 6e7) + ' min';
  }
  function secs(v) {
    if (v == null || !isFinite(v)) return '–';
    if (v < 60) return trim(v) + 's';
    var m = Math.floor(v / 60), s = Math.round(v - m * 60);
    if (m < 60) return m + 'm' + (s ? ' ' + s + 's' : '');
    var h = Math.floor(m / 60);
    return h + 'h' + (m % 60 ? ' ' + (m % 60) + 'm' : '');
  }
  // Bytes per second in binary units, as the tables write bytes.
  function bytes(v) {
    if (v == null || !isFinite(v)) return '–';
    var a = Math.abs(v);
    if (a >= 1073741824) return trim(v / 1073741824) + ' GiB/s';
    if (a >= 1048576) return trim(v / 1048576) + ' MiB/s';
    if (a >= 1024) return trim(v / 1024) + ' KiB/s';
    return trim(v) + ' B/s';
  }
  // A percentile from x = log10(1 / (1 - q)), with as many decimals as
  // its nines need: 90%, 99%, 99.9%, 99.99%.
  function pct(x) {
    if (x <= 0) return '0%';
    var digits = Math.max(0, Math.min(6, Math.ceil(x - 1e-9) - 2));
    return (100 - 100 / Math.pow(10, x)).toFixed(digits) + '%';
  }
  var UNITS = {
    rate: { fmt: function (v) { return v == null ? '–' : num(v) + '/s'; }, min: 1e-3 },
    us: { fmt: us, min: 1 },
    count: { fmt: num, min: 1 },
    bytes: { fmt: bytes, min: 1 }
  };
  // Ticks at 1, 2 and 5 times a power of ten only: no 37.5 ms.
  function incrs(min) {
    var out = [];
    for (var e = -3; e <= 12; e++) {
      [1, 2, 5].forEach(function (m) {
        var v = m * Math.pow(10, e);
        if (v >= min * 0.999) out.push(+v.toPrecision(3));
      });
    }
    return out;
  }
  var X_INCRS = [0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600,
    7200, 10800, 21600, 43200, 86400, 172800, 604800];

  function has(col) {
    return col && col.some(function (v) { return v != null && v > 0; });
  }
  function s(label, col, color, dash) {
    return { label: label, col: col, color: color, dash: dash };
  }

  // Every chart the data calls for, in page order: headings and charts.
  function defs() {
    var out = [];
    var T = D.total;
    function outcomes(id, title, S, extra) {
      var series = [s('ok', S.ok, C.green), s('failed', S.failed, C.red)];
      if (extra && has(S.dropped)) series.push(s('dropped', S.dropped, C.purple));
      if (extra && has(S.interrupted)) series.push(s('interrupted', S.interrupted, C.gray));
      return { id: id, title: title, unit: 'rate', series: series };
    }
    function latency(id, title, L) {
      return { id: id, title: title, unit: 'us', series: [s('p50', L.p50, C.blue),
        s('p90', L.p90, C.orange), s('p99', L.p99, C.red), s('max', L.max, C.purple, [4, 3])] };
    }
    out.push({ id: 'chart-rate', title: 'Arrival rate: target and achieved', unit: 'rate',
      series: [s('achieved', T.achieved, C.blue), s('target', T.target, C.orange, [6, 4])] });
    out.push(outcomes('chart-outcomes', 'Iterations per second: ok and failed', T, true));
    out.push(latency('chart-latency', 'Latency per interval', T));
    var conc = [s('in flight', T.in_flight, C.blue)];
    if (D.users) conc.push(s('users', T.users, C.orange));
    out.push({ id: 'chart-concurrency', title: D.users ? 'Iterations in flight and users' :
      'Iterations in flight', unit: 'count', series: conc });
    var H = D.http;
    if (H) {
      var statuses = [s('2xx', H.s2xx, C.green), s('3xx', H.s3xx, C.blue),
        s('4xx', H.s4xx, C.orange), s('5xx', H.s5xx, C.red)];
      if (has(H.s1xx)) statuses.unshift(s('1xx', H.s1xx, C.gray));
      if (has(H.failed)) statuses.push(s('no response', H.failed, C.purple, [4, 3]));
      out.push({ id: 'chart-http-status', title: 'HTTP responses per second by status',
        unit: 'rate', series: statuses });
      out.push({ id: 'chart-http-bytes', title: 'HTTP bytes per second', unit: 'bytes',
        series: [s('received', H.received, C.blue), s('sent', H.sent, C.orange, [6, 4])] });
    }
    if (D.spectrum && D.spectrum.x.length) {
      out.push({ id: 'chart-distribution', title: 'Latency distribution (percentile spectrum)',
        unit: 'us', x: 'spectrum', series: [s('latency', D.spectrum.latency, C.blue),
          s('service time', D.spectrum.service_time, C.orange, [6, 4])] });
    }
    D.scenarios.forEach(function (sc, i) {
      if (D.scenarios.length > 1) {
        out.push({ heading: 'Scenario ' + sc.name });
        out.push(outcomes('chart-s' + i + '-outcomes', sc.name + ': iterations per second',
          sc.series, true));
        out.push(latency('chart-s' + i + '-latency', sc.name + ': latency', sc.series));
      }
      sc.steps.forEach(function (st, j) {
        var name = D.scenarios.length > 1 ? sc.name + ' / ' + st.name : st.name;
        out.push({ heading: 'Step ' + name });
        var id = 'chart-s' + i + '-step' + j;
        out.push(latency(id + '-latency', name + ': latency', st));
        out.push(outcomes(id + '-outcomes', name + ': per second', st, false));
      });
    });
    return out;
  }

  function tooltip(fmt, xfmt) {
    var tip;
    return {
      hooks: {
        init: function (u) {
          tip = document.createElement('div');
          tip.className = 'tip';
          u.over.appendChild(tip);
        },
        setCursor: function (u) {
          var i = u.cursor.idx;
          if (i == null || u.cursor.left < 0) { tip.style.display = 'none'; return; }
          tip.textContent = '';
          var head = document.createElement('div');
          head.textContent = xfmt(u.data[0][i]);
          tip.appendChild(head);
          for (var k = 1; k < u.series.length; k++) {
            if (!u.series[k].show) continue;
            var line = document.createElement('div');
            var mark = document.createElement('i');
            mark.style.background = u.series[k]._stroke || u.series[k].stroke;
            line.appendChild(mark);
            line.appendChild(document.createTextNode(u.series[k].label + ': ' + fmt(u.data[k][i])));
            tip.appendChild(line);
          }
          tip.style.display = 'block';
          var left = u.cursor.left + 14;
          if (left + tip.offsetWidth > u.over.clientWidth) left = u.cursor.left - tip.offsetWidth - 14;
          tip.style.left = left + 'px';
          tip.style.top = Math.max(0, u.cursor.top - 10) + 'px';
        }
      }
    };
  }

  function drawn(fig, u, ticks) {
    var n = 0;
    for (var k = 1; k < u.series.length; k++) {
      if (u.data[k].some(function (v) { return v != null && isFinite(v); })) n++;
    }
    fig.setAttribute('data-series-drawn', String(n));
    fig.setAttribute('data-points', String(u.data[0].length));
    // Points with no value (not drawn), over all the series.
    var gaps = 0;
    for (var j = 1; j < u.data.length; j++) {
      u.data[j].forEach(function (v) { if (v == null) gaps++; });
    }
    fig.setAttribute('data-gaps', String(gaps));
    // What a reader can check: the series in drawing order (the last on
    // top), the step between the value axis's ticks, the chart's width.
    fig.setAttribute('data-labels', u.series.slice(1).map(function (se) { return se.label; }).join(','));
    if (ticks && ticks.length > 1) fig.setAttribute('data-y-step', String(+(ticks[1] - ticks[0]).toPrecision(6)));
    fig.setAttribute('data-width', String(Math.round(fig.getBoundingClientRect().width)));
    mark();
  }

  function mark() {
    var figs = document.querySelectorAll('#charts figure.chart');
    var done = 0;
    figs.forEach(function (f) {
      if (f.getAttribute('data-series-drawn') === f.getAttribute('data-series')) done++;
    });
    root.setAttribute('data-charts', String(figs.length));
    root.setAttribute('data-charts-drawn', String(done));
  }

  function columns(def) {
    var x = def.x === 'spectrum' ? D.spectrum.x : D.t;
    return [x].concat(def.series.map(function (se) { return se.col || []; }));
  }

  function width(fig) {
    return Math.max(200, fig.clientWidth - 20);
  }

  function make(def, box) {
    var fig = document.createElement('figure');
    fig.className = 'chart';
    fig.id = def.id;
    fig.setAttribute('data-series', String(def.series.length));
    fig.setAttribute('data-series-drawn', '0');
    var cap = document.createElement('figcaption');
    cap.textContent = def.title;
    fig.appendChild(cap);
    box.appendChild(fig);
    var data = columns(def);
    if (!data[0].length) {
      var empty = document.createElement('div');
      empty.className = 'empty';
      empty.textContent = live && !D.final ? 'waiting for the first interval' : 'no data';
      fig.appendChild(empty);
      return null;
    }
    var unit = UNITS[def.unit];
    var spectrum = def.x === 'spectrum';
    var xfmt = spectrum ? pct : secs;
    var plot = document.createElement('div');
    plot.className = 'plot';
    fig.appendChild(plot);
    var font = '13px system-ui,-apple-system,sans-serif';
    // The value axis's ticks, as uPlot hands them to the axis's labels.
    var ySplits = null;
    var axisX = { font: font, size: 36, stroke: '#4f5969', grid: { stroke: '#e3e7ee' },
      values: function (u, v) { return v.map(xfmt); } };
    if (spectrum) {
      axisX.splits = function (u, i, min, max) {
        var out = [];
        for (var k = 0; k <= Math.ceil(max); k++) out.push(k);
        return out;
      };
    } else {
      axisX.incrs = X_INCRS;
      axisX.space = 70;
    }
    var opts = {
      width: width(fig),
      height: 260,
      padding: [10, 30, 0, 0],
      plugins: [tooltip(unit.fmt, xfmt)],
      cursor: { sync: { key: spectrum ? 'lot-spectrum' : 'lot' }, drag: { x: true, y: false } },
      scales: {
        x: spectrum ? { time: false, range: function (u, min, max) { return [0, Math.max(1, Math.ceil(max))]; } }
          : { time: false },
        y: { range: function (u, min, max) { return [0, max > 0 ? max * 1.08 : 1]; } }
      },
      axes: [axisX, { font: font, size: 76, stroke: '#4f5969', grid: { stroke: '#e3e7ee' },
        incrs: incrs(unit.min), space: 36,
        values: function (u, v) { ySplits = v; return v.map(unit.fmt); } }],
      series: [{ label: spectrum ? 'percentile' : 'time', value: function (u, v) { return xfmt(v); } }]
        .concat(def.series.map(function (se) {
          return { label: se.label, stroke: se.color, width: 2, dash: se.dash, spanGaps: false,
            points: { show: false }, value: function (u, v) { return unit.fmt(v); } };
        })),
      hooks: { draw: [function (u) { drawn(fig, u, ySplits); }] }
    };
    return { def: def, fig: fig, u: new uPlot(opts, data, plot) };
  }

  function rebuild() {
    charts.forEach(function (c) { if (c.u) c.u.destroy(); });
    charts = [];
    var box = document.getElementById('charts');
    box.textContent = '';
    if (D.skipped > 0) {
      var note = document.createElement('p');
      note.className = 'note sub';
      note.textContent = 'The last ' + (D.skipped > 1 ? D.skipped + ' intervals' : 'interval') +
        ', shorter than half the ' + secs(D.interval_s) + ' period, ' +
        (D.skipped > 1 ? 'are' : 'is') + ' left out of the charts (its rates over a few ' +
        'milliseconds would swing wildly); the tables count every iteration.';
      box.appendChild(note);
    }
    if (D.stride > 1) {
      var thin = document.createElement('p');
      thin.className = 'note sub';
      thin.textContent = 'A long run: each point shows one interval of every ' + D.stride + '.';
      box.appendChild(thin);
    }
    // Each group of charts (the run's, a scenario's, a step's) is a grid of
    // its own, so that its odd last chart can take the whole width.
    var grid = null;
    defs().forEach(function (def) {
      if (def.heading) {
        var h = document.createElement('h3');
        h.textContent = def.heading;
        box.appendChild(h);
        grid = null;
        return;
      }
      if (!grid) {
        grid = document.createElement('div');
        grid.className = 'charts';
        box.appendChild(grid);
      }
      var c = make(def, grid);
      charts.push(c || { def: def, u: null });
    });
    // Sized once all are in place: a chart measured while it was its
    // grid's odd last child had the whole row's width.
    resize();
    shape = signature();
    mark();
  }

  function resize() {
    charts.forEach(function (c) {
      if (c.u) c.u.setSize({ width: width(c.fig), height: 260 });
    });
  }

  function signature() {
    return defs().map(function (d) {
      return (d.id || d.heading) + ':' + (d.series ? d.series.length : 0);
    }).join('|') + '|' + (D.t.length ? 1 : 0) + '|' + D.skipped + '|' + D.stride;
  }

  function update() {
    if (signature() !== shape) { rebuild(); } else {
      var defsNow = defs().filter(function (d) { return !d.heading; });
      charts.forEach(function (c, i) {
        if (c.u) { c.def = defsNow[i]; c.u.setData(columns(c.def)); }
      });
    }
    headline();
  }

  function card(box, cls, value, label) {
    var d = document.createElement('div');
    d.className = 'card ' + cls;
    var b = document.createElement('b');
    b.textContent = value;
    var sp = document.createElement('span');
    sp.textContent = label;
    d.appendChild(b);
    d.appendChild(sp);
    box.appendChild(d);
  }

  // The headline's numbers as data attributes (for tools and tests) and,
  // on a live page before the end, as its cards.
  function headline() {
    var h = document.getElementById('headline');
    var n = D.now, t = n.totals;
    ['scheduled', 'ok', 'failed', 'dropped', 'interrupted'].forEach(function (k) {
      h.setAttribute('data-' + k, String(t[k]));
    });
    h.setAttribute('data-seq', String(D.seq));
    h.setAttribute('data-in-flight', String(n.in_flight));
    if (!live || D.final) return;
    h.textContent = '';
    card(h, '', String(t.scheduled), 'scheduled');
    card(h, 'good', String(t.ok), 'ok');
    card(h, t.failed > 0 ? 'bad' : '', String(t.failed), 'failed');
    card(h, t.dropped > 0 ? 'bad' : '', String(t.dropped), 'dropped');
    card(h, t.interrupted > 0 ? 'bad' : '', String(t.interrupted), 'interrupted');
    card(h, '', num(n.achieved_rps) + '/s', 'arrival rate (target ' + num(n.target_rps) + '/s)');
    card(h, '', String(n.in_flight), 'in flight');
    if (D.users) card(h, '', String(n.users), 'users');
    card(h, '', us(n.p50_us), 'latency p50 (last interval)');
    card(h, '', us(n.p99_us), 'latency p99 (last interval)');
    document.getElementById('sub').textContent = 'running: ' + secs(n.elapsed_s) + ' of ' +
      secs(D.plan_s) + ' planned';
    liveThresholds(n.thresholds || []);
  }

  // A live page's thresholds, on the run so far, in the report's markup.
  function liveThresholds(list) {
    var box = document.getElementById('thresholds');
    if (!box || !list.length) return;
    var failed = list.filter(function (t) { return !t.passed; }).length;
    box.setAttribute('data-passed', String(list.length - failed));
    box.setAttribute('data-failed', String(failed));
    box.textContent = '';
    var h = document.createElement('h2');
    h.textContent = 'Thresholds (so far)';
    box.appendChild(h);
    var table = document.createElement('table'), head = table.createTHead().insertRow();
    ['result', 'threshold', 'measured'].forEach(function (c, i) {
      var th = document.createElement('th');
      th.textContent = c;
      if (i < 2) th.className = 'text';
      head.appendChild(th);
    });
    var body = table.createTBody();
    list.forEach(function (t) {
      var row = body.insertRow();
      row.className = 'threshold ' + (t.passed ? 'pass' : 'fail');
      [t.passed ? 'pass' : 'FAIL', t.expression, t.measured].forEach(function (text, i) {
        var cell = row.insertCell();
        cell.textContent = text;
        if (i < 2) cell.className = 'text';
      });
    });
    box.appendChild(table);
  }

  // Pads `col` to `n` points with `fill`: null (nothing to draw) where a
  // series had not begun, 0 where its absence means none, as the report
  // pads the HTTP series before the first request.
  function pad(col, n, fill) { while (col.length < n) col.push(fill); return col; }
  function appendCols(into, from, n0, n, fill) {
    if (fill === undefined) fill = null;
    Object.keys(from).forEach(function (k) {
      if (Array.isArray(from[k])) into[k] = pad(into[k] || [], n0, fill).concat(from[k]);
    });
    Object.keys(into).forEach(function (k) { if (Array.isArray(into[k])) pad(into[k], n, fill); });
  }
  function byName(list, item, n0) {
    for (var i = 0; i < list.length; i++) if (list[i].name === item.name) return list[i];
    var fresh = { name: item.name, steps: [], series: {} };
    list.push(fresh);
    return fresh;
  }
  // Appends the points of an interval event to the data.
  function append(p) {
    if (p.seq <= D.seq) return;
    var n0 = D.t.length, n = n0 + p.t.length;
    D.t = D.t.concat(p.t);
    appendCols(D.total, p.total, n0, n);
    if (p.http || D.http) {
      D.http = D.http || {};
      appendCols(D.http, p.http || {}, n0, n, 0);
    }
    p.scenarios.forEach(function (ps) { byName(D.scenarios, ps, n0); });
    D.scenarios.forEach(function (sc) {
      var ps = p.scenarios.filter(function (x) { return x.name === sc.name; })[0] ||
        { series: {}, steps: [] };
      appendCols(sc.series, ps.series, n0, n);
      ps.steps.forEach(function (st) { byName(sc.steps, st, n0); });
      sc.steps.forEach(function (st) {
        var pst = ps.steps.filter(function (x) { return x.name === st.name; })[0] || {};
        appendCols(st, pst, n0, n);
      });
    });
    ['seq', 'stride', 'skipped', 'users', 'now', 'final', 'title', 'interval_s', 'plan_s']
      .forEach(function (k) { D[k] = p[k]; });
  }

  function status(cls, text) {
    var bar = document.getElementById('live');
    if (!bar) return;
    bar.className = 'live ' + cls;
    document.getElementById('live-state').textContent = text;
  }

  function finish(report) {
    var doc = new DOMParser().parseFromString(report, 'text/html');
    ['sub', 'headline', 'thresholds', 'tables'].forEach(function (id) {
      var next = doc.getElementById(id), now = document.getElementById(id);
      if (next && now) now.replaceWith(document.adoptNode(next));
    });
    D = JSON.parse(doc.getElementById('lot-data').textContent);
    window.lotReport = report;
    var save = document.getElementById('save');
    save.href = URL.createObjectURL(new Blob([report], { type: 'text/html' }));
    save.hidden = false;
    root.setAttribute('data-final', 'true');
    status('final', 'the run has ended: final results');
    rebuild();
    headline();
  }

  rebuild();
  headline();
  window.addEventListener('resize', resize);
  window.addEventListener('load', function () {
    root.setAttribute('data-resources', String(performance.getEntriesByType('resource').length));
  });
  if (live) {
    var es = new EventSource(live);
    es.onopen = function () { status('on', 'live'); };
    es.onerror = function () { if (!D.final) status('', 'disconnected: retrying'); };
    es.addEventListener('data', function (e) { D = JSON.parse(e.data); update(); });
    es.addEventListener('interval', function (e) { append(JSON.parse(e.data)); update(); });
    es.addEventListener('summary', function (e) { es.close(); finish(JSON.parse(e.data).report); });
  }
})();
