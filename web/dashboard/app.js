// scaletune dashboard: the page's script. Routes by the address's hash, reads the server's JSON, draws
// Vega-Lite charts with vega-embed (served by the dashboard itself), and redraws what changed when the
// server's event stream says a study moved. Plain browser JavaScript: nothing to build.
'use strict';

const page = document.getElementById('page');
const where = document.getElementById('where');
const live = document.getElementById('live');
const problem = document.getElementById('problem');

/** Table sort and filter per table, kept across refreshes. */
const tableState = new Map();
/** Charts drawn, by id, with the spec they were drawn from: an unchanged chart is moved, not redrawn. */
let drawn = new Map();
let current = null;
let loading = null;
let again = false;

const esc = (s) => String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
const el = (tag, attrs = {}, html = '') => {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  e.innerHTML = html;
  return e;
};

function fmt(v) {
  if (v === null || v === undefined) return '-';
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) return String(v);
    if (Number.isInteger(v) && Math.abs(v) < 1e6) return String(v);
    const a = Math.abs(v);
    return a !== 0 && (a < 1e-3 || a >= 1e6) ? v.toExponential(3) : String(Number(v.toPrecision(5)));
  }
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

function ago(ms) {
  if (!ms) return '-';
  const s = Math.max(0, (Date.now() - ms) / 1000);
  if (s < 60) return `${Math.round(s)} s ago`;
  if (s < 3600) return `${Math.round(s / 60)} min ago`;
  if (s < 86400) return `${(s / 3600).toFixed(1)} h ago`;
  return new Date(ms).toISOString().slice(0, 16).replace('T', ' ');
}

const stateBadge = (s) => `<span class="state state-${esc(s)}">${esc(s)}</span>`;
const paramsText = (p) => Object.entries(p ?? {}).map(([k, v]) => `${k}=${fmt(v)}`).join(' ');

async function getJson(url) {
  const r = await fetch(url, { headers: { accept: 'application/json' } });
  const body = await r.json().catch(() => ({ error: `${r.status} ${r.statusText}` }));
  if (!r.ok) throw new Error(body.error || `${r.status} ${r.statusText}`);
  return body;
}

function route() {
  const parts = location.hash.replace(/^#\/?/, '').split('/').map(decodeURIComponent);
  if (parts[0] === 'study' && parts[1] && parts[2] === 'trial' && parts[3]) return { kind: 'trial', study: parts[1], number: parts[3] };
  if (parts[0] === 'study' && parts[1]) return { kind: 'study', study: parts[1] };
  if (parts[0] === 'compare' && parts[1] && parts[2]) return { kind: 'compare', a: parts[1], b: parts[2] };
  return { kind: 'studies' };
}

const link = (hash, text) => `<a href="#/${hash.map(encodeURIComponent).join('/')}">${esc(text)}</a>`;

/**
 * A sortable, filterable table. `rows`: [{cells: [html…], sort: [value…], text, href?}]. Sort by a
 * header's click (again: the other way); filter by text typed, matched against each row's text.
 */
function dataTable(id, header, rows, opts = {}) {
  const st = tableState.get(id) ?? { col: opts.sortCol ?? null, dir: opts.sortDir ?? 1, filter: '', state: '' };
  tableState.set(id, st);
  const wrap = el('div', { class: 'table', id: `table-${id}` });
  const controls = el('div', { class: 'controls' });
  const filter = el('input', { type: 'search', placeholder: 'filter: any text, e.g. lr=0.01', 'aria-label': 'filter rows', 'data-role': 'filter' });
  filter.value = st.filter;
  controls.append(filter);
  let stateSel = null;
  if (opts.states) {
    stateSel = el('select', { 'aria-label': 'state', 'data-role': 'state' }, `<option value="">every state</option>${opts.states.map((s) => `<option value="${esc(s)}">${esc(s)}</option>`).join('')}`);
    stateSel.value = st.state;
    controls.append(stateSel);
  }
  const count = el('span', { class: 'muted' });
  controls.append(count);
  wrap.append(controls);
  const box = el('div', { class: 'scroll' });
  const table = el('table');
  const thead = el('thead');
  const tr = el('tr');
  header.forEach((h, i) => {
    const th = el('th', { class: 'sortable', 'data-col': String(i) }, esc(h));
    if (st.col === i) th.classList.add(st.dir > 0 ? 'sorted-asc' : 'sorted-desc');
    th.addEventListener('click', () => {
      st.dir = st.col === i ? -st.dir : 1;
      st.col = i;
      draw();
      thead.querySelectorAll('th').forEach((x) => x.classList.remove('sorted-asc', 'sorted-desc'));
      th.classList.add(st.dir > 0 ? 'sorted-asc' : 'sorted-desc');
    });
    tr.append(th);
  });
  thead.append(tr);
  const tbody = el('tbody');
  table.append(thead, tbody);
  box.append(table);
  wrap.append(box);
  function draw() {
    const needle = st.filter.trim().toLowerCase();
    let shown = rows.filter((r) => (!needle || r.text.toLowerCase().includes(needle)) && (!st.state || r.state === st.state));
    if (st.col !== null) {
      shown = [...shown].sort((a, b) => {
        const x = a.sort[st.col];
        const y = b.sort[st.col];
        if (x === y) return 0;
        if (x === null || x === undefined) return 1;
        if (y === null || y === undefined) return -1;
        return (typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y))) * st.dir;
      });
    }
    tbody.innerHTML = shown.map((r) => `<tr${r.href ? ` class="clickable" data-href="${esc(r.href)}"` : ''}>${r.cells.map((c) => `<td>${c}</td>`).join('')}</tr>`).join('');
    count.textContent = `${shown.length} of ${rows.length}`;
  }
  tbody.addEventListener('click', (e) => {
    const row = e.target.closest('tr[data-href]');
    if (row && !e.target.closest('a')) location.hash = row.dataset.href;
  });
  filter.addEventListener('input', () => {
    st.filter = filter.value;
    draw();
  });
  stateSel?.addEventListener('change', () => {
    st.state = stateSel.value;
    draw();
  });
  draw();
  return wrap;
}

/** A chart in a figure; `next` collects the charts of the page being built. */
function chartFigure(chart, next) {
  const key = JSON.stringify(chart.spec);
  const old = drawn.get(chart.id);
  let fig;
  if (old && old.key === key) fig = old.fig;
  else {
    fig = el('figure', { class: 'chart', 'data-chart': chart.id, id: `chart-${chart.id}` });
    const target = el('div', { class: 'vega' });
    fig.append(target);
    if (chart.caption) fig.append(el('figcaption', {}, esc(chart.caption)));
    vegaEmbed(target, chart.spec, { actions: false, renderer: 'svg' }).catch((e) => showProblem(`chart ${chart.title}: ${e.message}`));
  }
  next.set(chart.id, { key, fig });
  return fig;
}

/** The report's blocks: headings, sentences, tables, lists and charts, as the static report has them. */
function renderBlocks(blocks, next) {
  const out = document.createDocumentFragment();
  let charts = null;
  for (let i = 0; i < blocks.length; i++) {
    const b = blocks[i];
    if (b.kind === 'h') {
      if (b.level === 1) continue;
      charts = null;
      if (b.level === 3 && blocks[i + 1]?.kind === 'chart') continue;
      out.append(el(`h${b.level}`, {}, esc(b.text)));
    } else if (b.kind === 'p') out.append(el('p', {}, esc(b.text)));
    else if (b.kind === 'list') out.append(el('ul', {}, b.items.map((x) => `<li>${esc(x)}</li>`).join('')));
    else if (b.kind === 'table') out.append(el('table', {}, `<thead><tr>${b.header.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${b.rows.map((r) => `<tr>${r.map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`).join('')}</tbody>`));
    else if (b.kind === 'chart') {
      if (!charts) {
        charts = el('div', { class: 'charts' });
        out.append(charts);
      }
      // the caption is the paragraph after the chart in the report's blocks
      if (blocks[i + 1]?.kind === 'p' && blocks[i + 1].text === b.chart.caption) i++;
      charts.append(chartFigure(b.chart, next));
    }
  }
  return out;
}

async function studiesPage() {
  const d = await getJson('/api/studies');
  where.textContent = d.location;
  const out = document.createDocumentFragment();
  out.append(el('h1', {}, 'Studies'));
  if (d.studies.length === 0) {
    out.append(el('p', {}, `No study in ${esc(d.location)} yet: start one with <code>scaletune run study.yaml</code> (or <code>scaletune demo</code>) and it appears here.`));
    return out;
  }
  const counts = (c) => Object.entries(c).map(([k, n]) => `${n} ${stateBadge(k)}`).join(' ');
  const rows = d.studies.map((s) => ({
    href: `/study/${encodeURIComponent(s.name)}`,
    text: `${s.name} ${s.kind} ${s.method} ${s.metric} ${s.note ?? ''}`,
    cells: [link(['study', s.name], s.name), esc(s.kind), esc(s.method), esc(s.backend), `${esc(s.metric ?? '-')}${s.goal ? ` (${esc(s.goal)})` : ''}`, counts(s.counts), esc(fmt(s.best)), esc(ago(s.lastActivity)), esc(s.note ?? '')],
    sort: [s.name, s.kind, s.method, s.backend, s.metric, Object.values(s.counts).reduce((a, b) => a + b, 0), s.best, s.lastActivity, s.note],
  }));
  out.append(dataTable('studies', ['study', 'kind', 'method', 'backend', 'metric', 'trials', 'best', 'last activity', 'note'], rows, { sortCol: 7, sortDir: -1 }));
  const form = el('form', { class: 'controls', id: 'compare' });
  const options = d.studies.map((s) => `<option>${esc(s.name)}</option>`).join('');
  form.innerHTML = `<strong>Compare</strong> <select name="a" aria-label="first study">${options}</select> with <select name="b" aria-label="second study">${options}</select> <button type="submit">compare</button>`;
  if (d.studies.length > 1) form.querySelector('[name=b]').selectedIndex = 1;
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    location.hash = `/compare/${encodeURIComponent(form.a.value)}/${encodeURIComponent(form.b.value)}`;
  });
  out.append(form);
  return out;
}

async function studyPage(r, next) {
  const d = await getJson(`/api/study?name=${encodeURIComponent(r.study)}`);
  const s = d.study;
  where.innerHTML = `${link([], 'studies')} / ${esc(s.name)}`;
  const out = document.createDocumentFragment();
  out.append(el('h1', {}, esc(s.name)));
  const counts = Object.entries(s.counts).map(([k, n]) => `${n} ${stateBadge(k)}`).join(' ');
  out.append(el('p', {}, `${esc(s.kind)} · method ${esc(s.method)} · backend ${esc(s.backend)} · ${esc(s.metric ?? 'no metric')}${s.goal ? ` (${esc(s.goal)})` : ''} · ${counts || 'no trials'} · last activity ${esc(ago(s.lastActivity))}${d.running ? ' · <strong>running</strong>' : ''}`));
  if (s.note) out.append(el('p', {}, `Note: ${esc(s.note)}`));
  const metricNames = [...new Set(d.trials.flatMap((t) => Object.keys(t.values ?? {})))];
  const multi = metricNames.length > 0;
  const paramNames = [...new Set(d.trials.flatMap((t) => Object.keys(t.params)))];
  const header = ['trial', 'state', ...(multi ? metricNames : [s.metric ?? 'value']), ...(d.trials.some((t) => t.scale) ? ['scale'] : []), ...paramNames, 'duration (s)', 'started'];
  const hasScale = header.includes('scale');
  const rows = d.trials.map((t) => {
    const vals = multi ? metricNames.map((m) => t.values?.[m] ?? null) : [t.value];
    const scale = t.scale ? `${t.scale.role ? `${t.scale.role} ` : ''}${t.scale.name ?? ''}` : '';
    const params = paramNames.map((p) => t.params[p]);
    const flags = `${t.on_front ? ' ★ front' : ''}${t.infeasible ? ' ✗ infeasible' : ''}`;
    return {
      href: `/study/${encodeURIComponent(s.name)}/trial/${t.number}`,
      state: t.state,
      text: `#${t.number} ${t.state} ${scale} ${paramNames.map((p, i) => `${p}=${fmt(params[i])}`).join(' ')} ${t.error ?? ''}${flags}`,
      cells: [String(t.number), `${stateBadge(t.state)}${esc(flags)}`, ...vals.map((v) => esc(fmt(v))), ...(hasScale ? [esc(scale)] : []), ...params.map((v) => esc(fmt(v))), esc(fmt(t.duration_s)), esc(t.started_at ? t.started_at.slice(0, 19).replace('T', ' ') : '-')],
      sort: [t.number, t.state, ...vals, ...(hasScale ? [scale] : []), ...params.map((v) => (typeof v === 'number' ? v : fmt(v))), t.duration_s, t.started_at],
    };
  });
  out.append(el('h2', {}, 'Trials'));
  out.append(dataTable(`trials-${s.name}`, header, rows, { states: [...new Set(d.trials.map((t) => t.state))], sortCol: 0, sortDir: -1 }));
  out.append(renderBlocks(d.blocks, next));
  const cfg = el('details', {}, `<summary>Configuration</summary><pre>${esc(JSON.stringify(d.config, null, 2))}</pre>`);
  out.append(cfg);
  return out;
}

async function trialPage(r, next) {
  const d = await getJson(`/api/trial?study=${encodeURIComponent(r.study)}&number=${encodeURIComponent(r.number)}`);
  const t = d.trial;
  where.innerHTML = `${link([], 'studies')} / ${link(['study', d.study], d.study)} / trial ${t.number}`;
  const out = document.createDocumentFragment();
  out.append(el('h1', {}, `${esc(d.study)}: trial ${t.number}`));
  out.append(el('p', {}, `${stateBadge(t.state)} · ${esc(d.metric ?? 'value')} ${t.value === null && t.state === 'running' ? 'not final yet' : esc(fmt(t.value))}${t.error ? ` · ${esc(t.error)}` : ''}${t.duration_s !== null ? ` · ${esc(fmt(t.duration_s))} s` : ''}${t.checkpoint ? ` · checkpoint ${esc(t.checkpoint)}` : ''}`));
  out.append(el('table', {}, `<thead><tr><th>parameter</th><th>value</th></tr></thead><tbody>${Object.entries(t.params).map(([k, v]) => `<tr><td>${esc(k)}</td><td>${esc(fmt(v))}</td></tr>`).join('')}</tbody>`));
  if (d.chart) {
    out.append(el('h2', {}, 'Metrics'));
    const charts = el('div', { class: 'charts' });
    charts.append(chartFigure(d.chart, next));
    out.append(charts);
  }
  out.append(el('h2', {}, `Output (last ${d.logs.length} lines)`));
  out.append(el('pre', { class: 'logs' }, d.logs.map((l) => `<span class="${esc(l.stream)}">${esc(l.line)}</span>`).join('\n') || '(none)'));
  return out;
}

async function comparePage(r, next) {
  const d = await getJson(`/api/compare?a=${encodeURIComponent(r.a)}&b=${encodeURIComponent(r.b)}`);
  where.innerHTML = `${link([], 'studies')} / compare`;
  const out = document.createDocumentFragment();
  out.append(el('h1', {}, `${link(['study', d.a.name], d.a.name)} against ${link(['study', d.b.name], d.b.name)}`));
  out.append(el('p', {}, `As <code>scaletune check ${esc(d.a.name)} --against ${esc(d.b.name)}</code> judges it (tolerance ${(100 * d.check.tolerance).toFixed(1)}%): ${d.check.regressed ? '<strong>regressed</strong>' : 'no regression'}.`));
  out.append(el('table', {}, `<thead><tr><th>check</th><th>status</th><th>${esc(d.a.name)}</th><th>${esc(d.b.name)}</th><th>detail</th></tr></thead><tbody>${d.check.checks.map((c) => `<tr><td>${esc(c.name)}</td><td>${esc(c.status)}</td><td>${esc(fmt(c.current))}</td><td>${esc(fmt(c.baseline))}</td><td>${esc(c.detail)}</td></tr>`).join('')}</tbody>`));
  const charts = el('div', { class: 'charts' });
  for (const c of d.charts) charts.append(chartFigure(c, next));
  out.append(charts);
  return out;
}

function showProblem(text) {
  problem.textContent = text;
  problem.hidden = !text;
}

/** Builds the page for the address; a refresh while one is being built runs once it is done. */
async function load() {
  if (loading) {
    again = true;
    return loading;
  }
  const r = route();
  const next = new Map();
  const scroll = window.scrollY;
  const same = current && JSON.stringify(current) === JSON.stringify(r);
  loading = (async () => {
    try {
      const content = r.kind === 'study' ? await studyPage(r, next) : r.kind === 'trial' ? await trialPage(r, next) : r.kind === 'compare' ? await comparePage(r, next) : await studiesPage();
      page.replaceChildren(content);
      drawn = next;
      current = r;
      showProblem('');
      if (same) window.scrollTo(0, scroll);
      document.body.dataset.loaded = String(Date.now());
    } catch (e) {
      showProblem(e.message);
      // a refresh that failed keeps what was shown; a page that could not be built shows nothing of the last one
      if (!same) {
        page.replaceChildren(el('p', { class: 'muted' }, `Nothing to show: ${esc(e.message)}. ${link([], 'Back to the studies')}.`));
        where.textContent = '';
        drawn = new Map();
        current = r;
      }
    } finally {
      loading = null;
      if (again) {
        again = false;
        void load();
      }
    }
  })();
  return loading;
}

function affects(studies) {
  const r = current ?? route();
  if (r.kind === 'studies') return true;
  if (r.kind === 'compare') return studies.includes(r.a) || studies.includes(r.b);
  return studies.includes(r.study);
}

function listen() {
  const es = new EventSource('/api/events');
  es.addEventListener('open', () => {
    live.textContent = 'live';
    live.className = 'on';
  });
  es.addEventListener('error', () => {
    live.textContent = 'reconnecting…';
    live.className = 'off';
  });
  es.addEventListener('change', (e) => {
    const { studies } = JSON.parse(e.data);
    if (affects(studies)) void load();
  });
  es.addEventListener('problem', (e) => showProblem(`reading the database: ${JSON.parse(e.data).message}`));
}

window.addEventListener('hashchange', () => {
  drawn = new Map();
  window.scrollTo(0, 0);
  void load();
});
void load();
listen();
