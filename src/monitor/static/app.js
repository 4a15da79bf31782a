// The structured-rx monitor page. State arrives on one Server-Sent Events stream (/events):
// `hello` (everything, with each query's recent batches), then `update`s (what changed), then
// `bye` when the server closes. The SQL prompt opens its own stream (/sql?q=...). Every text
// from the server is set with textContent, never as HTML.
'use strict';

(() => {
  const KEEP = 100; // batches per query, as the query handle keeps
  const BATCH_ROWS = 20; // rows of the recent-batches table
  const PHASES = ['latestOffset', 'getBatch', 'addBatch', 'commit', 'triggerExecution'];
  const COLORS = ['#2563eb', '#dc2626', '#16a34a', '#d97706', '#7c3aed', '#0891b2', '#db2777', '#4b5563'];

  /** runId → { view, progress: StreamingQueryProgress[] } */
  const runs = new Map();
  /** table name → TableView */
  const tables = new Map();
  let selected = null;
  let catalog = false;
  let charts = { runId: null, list: [] };
  let sqlStream = null;

  const $ = (id) => document.getElementById(id);
  const fmt = (n, digits = 0) =>
    typeof n === 'number' && Number.isFinite(n) ? n.toLocaleString('en-US', { maximumFractionDigits: digits }) : '–';
  const compact = new Intl.NumberFormat('en-US', { notation: 'compact', maximumFractionDigits: 1 });
  const clock = (iso) => (typeof iso === 'string' ? iso.slice(11).replace(/Z$/, '') : '–');
  const utc = (iso) => (typeof iso === 'string' ? iso.replace('T', ' ').replace(/\.000Z$|Z$/, '') : '–');
  const seconds = (ms) => (ms < 1000 ? `${fmt(ms)} ms` : ms < 120000 ? `${fmt(ms / 1000, 1)} s` : ms < 7200000 ? `${fmt(ms / 60000, 1)} min` : ms < 172800000 ? `${fmt(ms / 3600000, 1)} h` : `${fmt(ms / 86400000, 1)} days`);
  const watermarkMs = (p) => {
    const w = p.eventTime && p.eventTime.watermark ? Date.parse(p.eventTime.watermark) : NaN;
    return Number.isFinite(w) && w > 0 ? w : null;
  };
  const lateRows = (p) => p.stateOperators.reduce((n, s) => n + s.numLateInputRows, 0);
  const stateRows = (p) => p.stateOperators.reduce((n, s) => n + s.numRowsTotal, 0);

  function setText(id, text) {
    const el = $(id);
    if (el.textContent !== text) el.textContent = text;
  }

  function setConnection(state, text) {
    const el = $('connection');
    el.dataset.state = state;
    el.textContent = text;
  }

  // ---- the event stream ------------------------------------------------------------------

  function connect() {
    const es = new EventSource('events');
    es.addEventListener('open', () => setConnection('live', 'live'));
    es.addEventListener('error', () => {
      if (es.readyState === EventSource.CLOSED) setConnection('closed', 'disconnected');
      else setConnection('connecting', 'reconnecting…');
    });
    es.addEventListener('hello', (e) => {
      const m = JSON.parse(e.data);
      runs.clear();
      tables.clear();
      for (const q of m.queries) {
        const { recentProgress, ...view } = q;
        runs.set(q.runId, { view, progress: recentProgress.slice(-KEEP) });
      }
      for (const t of m.tables) tables.set(t.name, t);
      catalog = m.catalog;
      charts.runId = null; // rebuild with the new data
      render();
    });
    es.addEventListener('update', (e) => {
      const m = JSON.parse(e.data);
      for (const view of m.queries) {
        const run = runs.get(view.runId);
        if (run) run.view = view;
        else runs.set(view.runId, { view, progress: [] });
      }
      for (const runId of [...runs.keys()]) if (!m.queries.some((q) => q.runId === runId)) runs.delete(runId);
      for (const { runId, progress } of m.progress) {
        const run = runs.get(runId);
        if (!run) continue;
        run.progress.push(progress);
        if (run.progress.length > KEEP) run.progress.splice(0, run.progress.length - KEEP);
      }
      for (const t of m.tables) tables.set(t.name, t);
      render();
    });
    es.addEventListener('bye', () => {
      es.close();
      setConnection('closed', 'server closed: showing the last state');
      closeSql();
    });
  }

  // ---- rendering ---------------------------------------------------------------------------

  function stateOf(view) {
    if (view.active) return 'active';
    return view.exception ? 'failed' : 'ended';
  }

  function render() {
    const list = [...runs.values()];
    if (selected === null || !runs.has(selected)) {
      const pick = list.find((r) => r.view.active) || list[list.length - 1];
      selected = pick ? pick.view.runId : null;
    }
    renderNav(list);
    $('empty').hidden = list.length > 0;
    $('detail').hidden = selected === null;
    $('sql').hidden = !catalog;
    if (catalog && $('sql-input').value === '') {
      const first = tables.keys().next();
      if (!first.done) $('sql-input').value = `select * from ${first.value}`;
    }
    if (selected === null) return;
    const run = runs.get(selected);
    renderSummary(run);
    renderCharts(run);
    renderBatches(run);
    renderResult(run);
  }

  function renderNav(list) {
    const nav = $('queries');
    nav.replaceChildren(
      ...list.map((r) => {
        const b = document.createElement('button');
        b.type = 'button';
        b.className = `query ${stateOf(r.view)}${r.view.runId === selected ? ' selected' : ''}`;
        b.dataset.runId = r.view.runId;
        const name = document.createElement('strong');
        name.textContent = r.view.name ?? '(unnamed)';
        const info = document.createElement('span');
        info.textContent = `${stateOf(r.view)} · ${fmt(r.view.totals.batches)} batches`;
        b.append(name, info);
        b.addEventListener('click', () => {
          selected = r.view.runId;
          render();
        });
        return b;
      }),
    );
  }

  function renderSummary(run) {
    const v = run.view;
    const last = run.progress[run.progress.length - 1];
    setText('q-name', v.name ?? '(unnamed)');
    const badge = $('q-state');
    badge.dataset.state = stateOf(v);
    setText('q-state', stateOf(v));
    setText('q-status', v.active ? v.status.message : `${v.status.message}${v.endedAt ? ` at ${utc(v.endedAt)} UTC` : ''}`);
    setText('q-ids', `id ${v.id} · run ${v.runId} · started ${utc(v.startedAt)} UTC`);
    $('q-exception').hidden = !v.exception;
    setText('q-exception', v.exception ?? '');
    const t = v.totals;
    setText('stat-batches', fmt(t.batches));
    setText('stat-input-rows', fmt(t.inputRows));
    setText('stat-input-rate', last ? `${fmt(last.inputRowsPerSecond, 1)} /s` : '–');
    setText('stat-processed-rate', last ? `${fmt(last.processedRowsPerSecond, 1)} /s` : '–');
    setText('stat-duration', last ? `${fmt(last.durationMs.triggerExecution)} ms` : '–');
    const w = last ? watermarkMs(last) : null;
    setText('stat-watermark', w === null ? 'none' : utc(new Date(w).toISOString()));
    setText('stat-watermark-gap', w === null ? '–' : seconds(Date.parse(last.timestamp) - w));
    setText('stat-state-rows', last ? fmt(stateRows(last)) : '–');
    setText('stat-late-rows', fmt(t.lateRows));
    setText('stat-malformed-rows', fmt(t.malformedRows));
    const dropped = t.droppedRows.filter(([, n]) => n > 0);
    setText('stat-dropped-rows', dropped.length === 0 ? '0' : dropped.map(([reason, n]) => `${fmt(n)} ${reason}`).join(', '));
    setText('stat-pending', v.active ? fmt(v.inputsPending) : '–');
  }

  // ---- charts (uPlot) ----------------------------------------------------------------------

  function chartSpecs(run) {
    const operators = [];
    for (const p of run.progress) for (const s of p.stateOperators) if (!operators.some((o) => o.id === s.operatorId)) operators.push({ id: s.operatorId, name: s.operatorName });
    const byOperator = (p, id) => {
      const s = p.stateOperators.find((o) => o.operatorId === id);
      return s ? s.numRowsTotal : null;
    };
    return [
      { el: 'chart-rates', series: [['input', (p) => p.inputRowsPerSecond], ['processed', (p) => p.processedRowsPerSecond]] },
      { el: 'chart-durations', series: PHASES.map((ph) => [ph, (p) => p.durationMs[ph]]) },
      {
        el: 'chart-rows',
        series: [['input', (p) => p.numInputRows], ['output', (p) => p.sink.numOutputRows], ['late', lateRows], ['malformed', (p) => p.numMalformedRows]],
      },
      {
        el: 'chart-state',
        series: operators.length === 0 ? [['rows', () => null]] : operators.map((o) => [`${o.id} ${o.name}`, (p) => byOperator(p, o.id)]),
      },
      {
        el: 'chart-watermark',
        series: [['gap s', (p) => { const w = watermarkMs(p); return w === null ? null : (Date.parse(p.timestamp) - w) / 1000; }]],
      },
    ];
  }

  function chartData(run, spec) {
    const xs = run.progress.map((p) => Date.parse(p.timestamp) / 1000);
    return [xs, ...spec.series.map(([, read]) => run.progress.map(read))];
  }

  function renderCharts(run) {
    if (typeof uPlot !== 'function') return;
    const specs = chartSpecs(run);
    const key = specs.map((s) => s.series.map(([label]) => label).join('|')).join('/');
    if (charts.runId !== run.view.runId || charts.key !== key) {
      for (const c of charts.list) c.destroy();
      charts = {
        runId: run.view.runId,
        key,
        list: specs.map((spec) => {
          const el = $(spec.el);
          el.replaceChildren();
          return new uPlot(
            {
              width: Math.max(200, el.clientWidth),
              height: 180,
              legend: { live: false },
              cursor: { drag: { x: false, y: false } },
              scales: { x: { time: true } },
              tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), 'Etc/UTC'),
              axes: [
                { stroke: '#6b7280', grid: { stroke: '#eef0f3' } },
                { stroke: '#6b7280', grid: { stroke: '#eef0f3' }, size: 50, values: (u, splits) => splits.map((v) => (v === null ? '' : compact.format(v))) },
              ],
              series: [{}, ...spec.series.map(([label], i) => ({ label, stroke: COLORS[i % COLORS.length], width: 1.5, points: { size: 4 }, spanGaps: false }))],
            },
            chartData(run, spec),
            el,
          );
        }),
      };
    } else {
      specs.forEach((spec, i) => charts.list[i].setData(chartData(run, spec)));
    }
  }

  window.addEventListener('resize', () => {
    for (const c of charts.list) c.setSize({ width: Math.max(200, c.root.parentElement.clientWidth), height: 180 });
  });

  // ---- tables ------------------------------------------------------------------------------

  function cellText(value) {
    if (value === null || value === undefined) return 'null';
    if (typeof value === 'object' && typeof value.start === 'string' && typeof value.end === 'string') return `[${utc(value.start)}, ${utc(value.end)})`;
    if (typeof value === 'object') return JSON.stringify(value);
    if (typeof value === 'string' && /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/.test(value)) return utc(value);
    return String(value);
  }

  function td(text, className) {
    const c = document.createElement('td');
    c.textContent = text;
    if (className) c.className = className;
    return c;
  }

  function fillTable(table, view) {
    const head = document.createElement('thead');
    const hr = document.createElement('tr');
    for (const col of view.columns) {
      const th = document.createElement('th');
      th.textContent = col.name;
      th.title = col.type;
      if (['long', 'int', 'double'].includes(col.type)) th.className = 'num';
      hr.append(th);
    }
    head.append(hr);
    const body = document.createElement('tbody');
    for (const row of view.rows) {
      const tr = document.createElement('tr');
      row.forEach((value, i) => {
        const type = view.columns[i] ? view.columns[i].type : '';
        tr.append(td(cellText(value), value === null ? 'null' : ['long', 'int', 'double'].includes(type) ? 'num' : ''));
      });
      body.append(tr);
    }
    table.replaceChildren(head, body);
  }

  function renderBatches(run) {
    const body = $('batches').tBodies[0];
    const rows = run.progress.slice(-BATCH_ROWS).reverse().map((p) => {
      const tr = document.createElement('tr');
      const read = p.sources
        .map((s) => {
          if (s.inputs.length === 0) {
            const [from, to] = [JSON.stringify(s.startOffset), JSON.stringify(s.endOffset)];
            return from === to ? 'no new data' : `${from} → ${to}`;
          }
          return s.inputs.length <= 3 ? s.inputs.join(', ') : `${s.inputs.slice(0, 3).join(', ')} … ${s.inputs.length - 3} more`;
        })
        .join('; ');
      tr.append(
        td(String(p.batchId)),
        td(clock(p.timestamp)),
        td(fmt(p.numInputRows), 'num'),
        td(fmt(p.sink.numOutputRows), 'num'),
        td(fmt(p.durationMs.triggerExecution), 'num'),
        td(fmt(lateRows(p)), 'num'),
        td(fmt(p.numMalformedRows), 'num'),
        td(read, 'files'),
      );
      return tr;
    });
    body.replaceChildren(...rows);
  }

  function renderResult(run) {
    const name = run.view.table;
    setText('result-name', name ?? '');
    const view = name ? tables.get(name) : undefined;
    if (!view) {
      setText('result-meta', name ? 'no rows yet' : 'the query writes no table of the monitor\'s catalog');
      $('result').replaceChildren();
      return;
    }
    const shown = view.rows.length < view.totalRows ? `first ${fmt(view.rows.length)} of ${fmt(view.totalRows)} rows` : `${fmt(view.totalRows)} rows`;
    setText('result-meta', `after batch ${view.batchId} · ${shown}`);
    fillTable($('result'), view);
  }

  // ---- the SQL prompt ----------------------------------------------------------------------

  function closeSql() {
    if (sqlStream) sqlStream.close();
    sqlStream = null;
  }

  function runSql(statement) {
    closeSql();
    const meta = $('sql-meta');
    meta.className = 'meta';
    meta.textContent = 'running…';
    const es = new EventSource(`sql?q=${encodeURIComponent(statement)}`);
    sqlStream = es;
    es.addEventListener('result', (e) => {
      const view = JSON.parse(e.data);
      const shown = view.rows.length < view.totalRows ? `first ${fmt(view.rows.length)} of ${fmt(view.totalRows)} rows` : `${fmt(view.totalRows)} row${view.totalRows === 1 ? '' : 's'}`;
      meta.className = 'meta';
      meta.textContent = `${shown} · tables as of batch ${view.batchId} · updated ${new Date().toLocaleTimeString()}`;
      fillTable($('sql-result'), view);
    });
    es.addEventListener('sqlerror', (e) => {
      const err = JSON.parse(e.data);
      es.close();
      meta.className = 'meta error';
      meta.textContent = `${err.error}: ${err.message}`;
      $('sql-result').replaceChildren();
    });
    es.addEventListener('bye', () => es.close());
    es.addEventListener('error', () => {
      if (es.readyState === EventSource.CLOSED && sqlStream === es) sqlStream = null;
    });
  }

  $('sql-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const statement = $('sql-input').value.trim();
    if (statement !== '') runSql(statement);
  });
  $('sql-input').addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) $('sql-form').requestSubmit();
  });

  connect();
})();
