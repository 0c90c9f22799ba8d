// metalake run report: draws the charts of the page from its JSON island with ECharts. Every
// chart marks its container data-drawn="1" once rendered; the page marks <html
// data-charts="ready"> and sets window.metalakeReport when all are.
(function () {
  'use strict';
  var data = JSON.parse(document.getElementById('report-data').textContent);
  var C = { ok: '#2f9e5b', fail: '#d64545', warn: '#e08a00', run: '#2d6cdf', skip: '#9aa5b1' };
  var statusColor = { success: C.ok, failed: C.fail, upstream_failed: C.warn, interrupted: '#8b5cf6',
    running: C.run, skipped: C.skip, pending: '#cbd2d9' };
  var stageColor = { bronze: '#b7791f', silver: '#7b8794', gold: '#d4a72c', monitor: '#3b4f9a' };
  var palette = ['#3b4f9a', '#2f9e5b', '#d4a72c', '#d64545', '#7b61ff', '#0ea5a4', '#e08a00', '#64748b',
    '#b7791f', '#c2410c', '#0369a1', '#be185d'];
  var font = 'system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif';
  var charts = [];
  var drawn = 0;
  var registered = false;

  function esc(s) {
    return String(s).replace(/[&<>"']/g, function (c) {
      return { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c];
    });
  }
  function fmt(n) { return n == null ? '—' : Number(n).toLocaleString('en-US'); }
  function secs(s) { return s < 1 ? Math.round(s * 1000) + ' ms' : (s < 60 ? s.toFixed(1) + ' s' : Math.floor(s / 60) + ' min ' + Math.round(s % 60) + ' s'); }
  function pct(f) { return f == null ? '—' : (f * 100).toFixed(2) + ' %'; }
  function emptyOption(msg) {
    return { title: { text: msg, left: 'center', top: 'middle', textStyle: { color: C.skip, fontSize: 14, fontWeight: 'normal' } } };
  }
  // niceMax rounds an axis maximum up to 1, 2 or 5 times a power of ten (and tenths of it).
  function niceMax(v) {
    var p = Math.pow(10, Math.floor(Math.log10(v)));
    var steps = [1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10];
    for (var i = 0; i < steps.length; i++) if (steps[i] * p >= v) return steps[i] * p;
    return 10 * p;
  }
  function dateLink(date) { return data.date_link ? data.date_link.replace('%s', date) : ''; }

  // ready marks the page once every chart has rendered ('finished' comes a frame later).
  function ready() {
    if (!registered || drawn < charts.length) return;
    window.metalakeReport = { charts: charts.length, renderMs: Math.round(performance.now()) };
    document.documentElement.setAttribute('data-charts', 'ready');
  }

  // draw renders chart name into its container with the option build returns (null: no data).
  function draw(name, build, onClick) {
    var el = document.querySelector('[data-chart="' + name + '"]');
    if (!el) return;
    var opt = null;
    var why = (data.data && data.data.errors && data.data.errors[el.getAttribute('data-error') || '']) ||
      el.getAttribute('data-empty') || 'No data for this date';
    try {
      opt = build(el);
    } catch (e) {
      console.error('metalake chart ' + name + ': ' + e);
      return;
    }
    var chart = echarts.init(el, null, { renderer: 'canvas' });
    var base = { animation: false, color: palette, textStyle: { fontFamily: font } };
    var once = false;
    chart.on('finished', function () {
      if (once) return;
      once = true;
      el.setAttribute('data-drawn', '1');
      drawn++;
      ready();
    });
    chart.setOption(Object.assign(base, opt || emptyOption(why)));
    if (onClick) chart.on('click', onClick);
    charts.push(chart);
  }

  function axisTooltip(fmtValue) {
    return {
      trigger: 'axis', axisPointer: { type: 'shadow' }, confine: true,
      formatter: function (ps) {
        var out = esc(ps[0].axisValueLabel || ps[0].name);
        ps.forEach(function (p) {
          if (p.value == null || p.seriesName.charAt(0) === '_') return;
          out += '<br>' + p.marker + esc(p.seriesName) + ': <b>' + fmtValue(p.value, p) + '</b>';
        });
        return out;
      }
    };
  }

  // --- Run -------------------------------------------------------------------------------
  draw('gantt', function (el) {
    var run = data.run;
    if (!run || !run.tasks.length) return null;
    var tasks = run.tasks;
    el.style.height = Math.max(180, tasks.length * 17 + 80) + 'px';
    var total = tasks.reduce(function (m, t) { return Math.max(m, t.end_s); }, run.duration_s) || 1;
    var axisMax = niceMax(total);
    var minWidth = total / 250;
    var legend = ['bronze', 'silver', 'gold', 'monitor', 'failed', 'upstream_failed'];
    var series = [{
      name: '_offset', type: 'bar', stack: 't', silent: true, itemStyle: { color: 'transparent' },
      data: tasks.map(function (t) { return t.started ? t.start_s : null; })
    }, {
      name: 'task', type: 'bar', stack: 't', barMaxWidth: 12,
      data: tasks.map(function (t) {
        var retried = t.attempts > 1;
        if (!t.started) {
          return { value: null, label: { show: true, position: 'insideLeft', formatter: 'not started (' + t.status + ')', color: C.warn } };
        }
        return {
          value: Math.max(t.end_s - t.start_s, minWidth),
          itemStyle: {
            color: t.status === 'success' ? stageColor[t.stage] : (statusColor[t.status] || C.warn),
            borderColor: retried ? C.fail : 'transparent', borderWidth: retried ? 2 : 0, borderType: 'dashed'
          },
          label: { show: retried, position: 'right', formatter: '×' + t.attempts, color: C.fail, fontWeight: 'bold' }
        };
      })
    }];
    legend.forEach(function (l) {
      series.push({ name: l, type: 'bar', stack: 'legend', data: [], itemStyle: { color: stageColor[l] || statusColor[l] } });
    });
    return {
      legend: { data: legend, top: 0 },
      grid: { left: 10, right: 50, top: 34, bottom: 26, containLabel: true },
      tooltip: {
        trigger: 'item', confine: true,
        formatter: function (p) {
          var t = tasks[p.dataIndex];
          if (!t || p.seriesName !== 'task') return '';
          return '<b>' + esc(t.task) + '</b><br>' + esc(t.status) + ' · ' + t.attempts + ' attempt' + (t.attempts > 1 ? 's' : '') +
            '<br>' + secs(t.duration_s) + ', from ' + t.start_s.toFixed(2) + ' s to ' + t.end_s.toFixed(2) + ' s' +
            (t.error ? '<br><span style="color:#d64545">' + esc(t.error).slice(0, 400) + '</span>' : '');
        }
      },
      xAxis: { type: 'value', name: 's since start', nameLocation: 'middle', nameGap: 22, min: 0, max: axisMax },
      yAxis: { type: 'category', inverse: true, data: tasks.map(function (t) { return t.task; }), axisLabel: { fontSize: 11 } },
      series: series
    };
  });

  // --- Row flow --------------------------------------------------------------------------
  draw('flow', function (el) {
    var cats = [], rows = [];
    (data.flow || []).forEach(function (f) {
      if (f.bronze) {
        cats.push(f.table + ' · bronze');
        rows.push({ input: f.bronze.input, kept: f.bronze.output, rejected: f.bronze.rejects, dup: f.bronze.duplicates, dropped: 0 });
      }
      if (f.silver) {
        cats.push(f.table + ' · silver');
        rows.push({ input: f.silver.input, kept: f.silver.output, rejected: 0, dup: f.silver.duplicates, dropped: f.silver.dropped });
      }
    });
    if (!cats.length) return null;
    el.style.height = Math.max(200, cats.length * 26 + 80) + 'px';
    function part(key, name, color) {
      return {
        name: name, type: 'bar', stack: 'flow', barMaxWidth: 18, itemStyle: { color: color },
        data: rows.map(function (r) { return r.input > 0 ? 100 * r[key] / r.input : 0; }),
        rows: rows.map(function (r) { return r[key]; })
      };
    }
    var series = [part('kept', 'output', C.ok), part('rejected', 'rejected', C.fail), part('dup', 'duplicates removed', C.warn), part('dropped', 'dropped', '#8b5cf6')];
    return {
      legend: { top: 0 },
      grid: { left: 10, right: 30, top: 34, bottom: 24, containLabel: true },
      tooltip: {
        trigger: 'axis', axisPointer: { type: 'shadow' }, confine: true,
        formatter: function (ps) {
          var i = ps[0].dataIndex;
          var out = '<b>' + esc(cats[i]) + '</b><br>input: ' + fmt(rows[i].input);
          ps.forEach(function (p) { out += '<br>' + p.marker + esc(p.seriesName) + ': ' + fmt(series[p.seriesIndex].rows[i]) + ' (' + p.value.toFixed(2) + ' %)'; });
          return out;
        }
      },
      xAxis: { type: 'value', max: 100, name: '% of input', nameLocation: 'middle', nameGap: 22 },
      yAxis: { type: 'category', inverse: true, data: cats },
      series: series
    };
  });

  // --- Rejects ---------------------------------------------------------------------------
  draw('rejects', function () {
    var r = data.rejects || [];
    if (!r.length) return null;
    var limit = r.reduce(function (m, x) { return Math.max(m, x.threshold); }, 0);
    var top = r.reduce(function (m, x) { return Math.max(m, x.rate); }, 0);
    return {
      grid: { left: 10, right: 90, top: 20, bottom: 24, containLabel: true },
      tooltip: axisTooltip(function (v, p) { var x = r[p.dataIndex]; return pct(x.rate) + ' (' + fmt(x.rejects) + ' of ' + fmt(x.input) + ')'; }),
      xAxis: { type: 'category', data: r.map(function (x) { return x.table; }) },
      yAxis: { type: 'value', name: '% rejected', max: niceMax(Math.max(limit, top) * 115 || 1) },
      series: [{
        name: 'rejection rate', type: 'bar', barMaxWidth: 48,
        data: r.map(function (x) { return { value: x.rate * 100, itemStyle: { color: x.breached ? C.fail : C.ok } }; }),
        label: { show: true, position: 'top', formatter: function (p) { return p.value.toFixed(2) + ' %'; } },
        markLine: {
          symbol: 'none', lineStyle: { color: C.fail, type: 'dashed' }, data: [{ yAxis: limit * 100 }],
          label: { formatter: 'breaker ' + (limit * 100).toFixed(0) + ' %', position: 'end', color: C.fail }
        }
      }]
    };
  });

  // --- History ---------------------------------------------------------------------------
  var h = data.history || { dates: [] };
  function history(map, opts) {
    var dates = h.dates || [];
    var names = Object.keys(map || {}).sort();
    if (!dates.length || !names.length) return null;
    var n = dates.length, few = n <= 31;
    var option = {
      legend: { top: 0, type: 'scroll' },
      grid: { left: 10, right: 20, top: 34, bottom: n > 60 ? 56 : 24, containLabel: true },
      tooltip: axisTooltip(opts.value),
      xAxis: { type: 'category', data: dates },
      yAxis: { type: 'value', name: opts.unit, axisLabel: { formatter: opts.axis } },
      series: names.map(function (name) {
        return {
          name: name, type: few || opts.stack ? 'bar' : 'line', stack: opts.stack, data: map[name], barMaxWidth: 22,
          showSymbol: n <= 60, connectNulls: false, itemStyle: opts.colors ? { color: opts.colors[name] } : undefined
        };
      })
    };
    if (n > 60) {
      option.dataZoom = [{ type: 'slider', bottom: 8, height: 18, startValue: Math.max(0, n - 120), endValue: n - 1 }, { type: 'inside' }];
    }
    if (opts.limit) {
      option.series[0].markLine = {
        symbol: 'none', lineStyle: { color: C.fail, type: 'dashed' }, data: [{ yAxis: opts.limit }],
        label: { formatter: 'breaker', position: 'end', color: C.fail }
      };
    }
    return option;
  }
  function openDate(p) { var u = dateLink(h.dates[p.dataIndex]); if (u) window.location.href = u; }
  function percents(map) {
    var out = {};
    Object.keys(map || {}).forEach(function (k) { out[k] = map[k].map(function (v) { return v == null ? null : v * 100; }); });
    return out;
  }
  draw('hist-rows', function () { return history(h.bronze_rows, { unit: 'rows', value: fmt }); }, openDate);
  draw('hist-silver', function () { return history(h.silver_rows, { unit: 'rows', value: fmt }); }, openDate);
  draw('hist-duration', function () {
    var ordered = {};
    ['bronze', 'silver', 'gold', 'monitor'].forEach(function (s) { if (h.duration_s && h.duration_s[s]) ordered[s] = h.duration_s[s]; });
    var o = history(ordered, { unit: 's', stack: 'stage', value: function (v) { return secs(v); }, colors: stageColor });
    if (o) o.series.sort(function (a, b) { return ['bronze', 'silver', 'gold', 'monitor'].indexOf(a.name) - ['bronze', 'silver', 'gold', 'monitor'].indexOf(b.name); });
    return o;
  }, openDate);
  draw('hist-rejects', function () {
    var limit = (data.rejects || []).reduce(function (m, x) { return Math.max(m, x.threshold); }, 0.1);
    return history(percents(h.reject_rate), { unit: '% rejected', value: function (v) { return v.toFixed(2) + ' %'; }, limit: limit * 100 });
  }, openDate);

  // --- The data --------------------------------------------------------------------------
  var d = data.data || {};
  function hbars(items, name, color) {
    if (!items || !items.length) return null;
    return {
      grid: { left: 10, right: 50, top: 10, bottom: 20, containLabel: true },
      tooltip: axisTooltip(fmt),
      xAxis: { type: 'value' },
      yAxis: { type: 'category', inverse: true, data: items.map(function (x) { return x.label ? x.name + ' · ' + x.label : x.name; }), axisLabel: { fontSize: 11.5 } },
      series: [{ name: name, type: 'bar', barMaxWidth: 16, itemStyle: { color: color }, data: items.map(function (x) { return x.count; }),
        label: { show: true, position: 'right', formatter: function (p) { return fmt(p.value); } } }]
    };
  }
  draw('tags', function () { return hbars(d.top_tags, 'datasets', '#3b4f9a'); });
  draw('countries', function () { return hbars(d.countries, 'users', '#0ea5a4'); });
  draw('competitions', function () {
    var c = d.competitions;
    if (!c || !c.length) return null;
    var kinds = [['featured', 'Featured'], ['research', 'Research'], ['getting_started', 'Getting Started'], ['playground', 'Playground'], ['other', 'other']];
    var series = kinds.map(function (k) {
      return { name: k[1], type: 'bar', stack: 'type', barMaxWidth: 28, data: c.map(function (y) { return y[k[0]]; }) };
    });
    series.push({ name: 'USD rewards', type: 'line', yAxisIndex: 1, data: c.map(function (y) { return y.rewards_usd; }), itemStyle: { color: '#c2410c' }, showSymbol: true });
    return {
      legend: { top: 0 },
      grid: { left: 10, right: 10, top: 58, bottom: 20, containLabel: true },
      tooltip: axisTooltip(function (v, p) { return p.seriesName === 'USD rewards' ? '$' + fmt(Math.round(v)) : fmt(v); }),
      xAxis: { type: 'category', data: c.map(function (y) { return String(y.year); }) },
      yAxis: [{ type: 'value', name: 'count', minInterval: 1 }, { type: 'value', name: 'USD', splitLine: { show: false },
        axisLabel: { formatter: function (v) { return v >= 1e6 ? '$' + (v / 1e6) + 'M' : (v >= 1e3 ? '$' + (v / 1e3) + 'k' : '$' + v); } } }],
      series: series
    };
  });
  draw('owners', function () {
    var b = d.owner_buckets;
    if (!b || !d.owners) return null;
    return {
      grid: { left: 10, right: 20, top: 30, bottom: 20, containLabel: true },
      tooltip: axisTooltip(function (v, p) { return fmt(v) + ' owners, ' + fmt(b[p.dataIndex].datasets) + ' datasets'; }),
      xAxis: { type: 'category', name: 'datasets', nameLocation: 'middle', nameGap: 26, data: b.map(function (x) { return x.label; }) },
      yAxis: { type: 'log', name: 'owners', min: 1, logBase: 10 },
      series: [{ name: 'owners', type: 'bar', barMaxWidth: 40, itemStyle: { color: '#7b61ff' },
        data: b.map(function (x) { return x.owners || null; }), label: { show: true, position: 'top', formatter: function (p) { return fmt(p.value); } } }]
    };
  });
  draw('new-users', function () {
    var u = d.new_users;
    if (!u || !u.length) return null;
    var mean = u.map(function (x, i) {
      var s = 0, n = 0;
      for (var j = Math.max(0, i - 6); j <= i; j++) { s += u[j].count; n++; }
      return Math.round(10 * s / n) / 10;
    });
    return {
      legend: { top: 0 },
      grid: { left: 10, right: 20, top: 34, bottom: 20, containLabel: true },
      tooltip: axisTooltip(fmt),
      xAxis: { type: 'category', data: u.map(function (x) { return x.day; }) },
      yAxis: { type: 'value', name: 'users', minInterval: 1 },
      series: [{ name: 'sign-ups', type: 'bar', barMaxWidth: 10, itemStyle: { color: '#0ea5a4' }, data: u.map(function (x) { return x.count; }) },
        { name: '7-day mean', type: 'line', showSymbol: false, smooth: true, itemStyle: { color: '#3b4f9a' }, data: mean }]
    };
  });

  registered = true;
  ready();
  window.addEventListener('resize', function () { charts.forEach(function (c) { c.resize(); }); });
})();
