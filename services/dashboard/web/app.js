// The Orion dashboard's page: reads the JSON API (docs/dashboard.md), keeps itself current from
// the server-sent event stream /api/events, and sends operator actions as POSTs carrying
// X-Orion-Action: 1. Everything shown is set as text (never as HTML).
'use strict';

const MAX_EVENTS_SHOWN = 200;
const SVG = 'http://www.w3.org/2000/svg';
const state = { selectedTask: null, dirty: new Set(), timer: null, refreshes: 0, token: '' };

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === 'class') e.className = v;
    else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v);
  }
  for (const c of children) e.append(c instanceof Node ? c : document.createTextNode(c == null ? '' : String(c)));
  return e;
}

function svg(tag, attrs) {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
  return e;
}

async function getJson(path) {
  const r = await fetch(path, { cache: 'no-store' });
  const body = await r.json();
  if (!r.ok) throw new Error((body.code || r.status) + ': ' + (body.message || ''));
  return body;
}

function toast(text, isError) {
  const t = document.getElementById('toast');
  t.textContent = text;
  t.className = isError ? 'error' : '';
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => { t.className = 'hidden'; }, 6000);
}

// An operator action. The services decide with the dashboard's identity; a refusal
// (PERMISSION_DENIED for a reader) is shown as it came.
async function act(path, what) {
  const headers = { 'X-Orion-Action': '1' };
  if (state.token) headers['Authorization'] = 'Bearer ' + state.token;
  try {
    const r = await fetch(path, { method: 'POST', headers });
    const body = await r.json();
    if (!r.ok) {
      if (r.status === 401) {
        const t = window.prompt('Action token');
        if (t) { state.token = t; return act(path, what); }
      }
      toast(what + ' refused: ' + body.code + ': ' + body.message, true);
    } else {
      toast(what + ': done');
    }
  } catch (e) {
    toast(what + ' failed: ' + e.message, true);
  }
  schedule('tasks', 'workflows', 'agents');
}

function fmt(n, digits) { return n == null ? '-' : Number(n).toFixed(digits); }

// ---- Agents --------------------------------------------------------------------------------

function renderAgents(data) {
  const body = document.querySelector('#agents tbody');
  body.replaceChildren();
  for (const a of data.agents) {
    const p = a.perf || {};
    const st = a.state === 'UP' && a.draining ? 'DRAINING' : a.state;
    const res = a.resources || null;
    body.append(el('tr', { 'data-agent-id': a.agent_id, class: 'agent-row' },
      el('td', {}, a.agent_id),
      el('td', { class: 'state ' + st }, st),
      el('td', {}, (a.load || 0) + '/' + (a.capacity || 0)),
      el('td', {}, (a.capabilities || []).join(', ')),
      el('td', {}, fmt(a.weight, 2)),
      el('td', {}, p.done ?? '-'), el('td', {}, p.failed ?? '-'),
      el('td', {}, p.success_rate == null ? '-' : (100 * p.success_rate).toFixed(1) + '%'),
      el('td', {}, fmt(p.mean_ms, 1)), el('td', {}, fmt(p.p95_ms, 1)),
      el('td', {}, res ? fmt(res.cpu, 2) : '-'),
      el('td', {}, res ? fmt(res.memory_bytes / 1048576, 1) : '-'),
      el('td', {}, a.state === 'UP' && !a.draining
        ? el('button', { onclick: () => act('/api/agents/' + encodeURIComponent(a.agent_id) + '/drain', 'drain ' + a.agent_id) }, 'drain')
        : '')));
  }
  const errs = Object.entries(data.errors || {}).map(([k, v]) => k + ': ' + v);
  document.getElementById('errors').textContent = errs.join(' | ');
}

// ---- Tasks ---------------------------------------------------------------------------------

function taskQuery() {
  const q = new URLSearchParams();
  const s = document.getElementById('filter-state').value;
  const t = document.getElementById('filter-type').value.trim();
  const a = document.getElementById('filter-agent').value.trim();
  const n = document.getElementById('filter-namespace').value;
  if (s) q.set('state', s);
  if (n) q.set('namespace', n);
  if (t) q.set('type', t);
  if (a) q.set('agent', a);
  return q.toString();
}

function taskRow(t) {
  const why = t.error || t.reason || ((t.waiting_on || []).length ? 'waits for ' + t.waiting_on.join(', ') : '');
  const row = el('tr', { 'data-task-id': t.task_id, class: 'task-row' + (t.task_id === state.selectedTask ? ' selected' : '') },
    el('td', {}, t.task_id), el('td', {}, t.name || ''), el('td', {}, t.type || ''),
    el('td', { class: 'state ' + (t.state || '') }, t.state || ''),
    el('td', {}, t.priority || ''), el('td', {}, t.agent || ''), el('td', {}, t.attempt ?? ''),
    el('td', {}, t.progress == null ? '' : fmt(t.progress, 0) + '%'),
    el('td', { class: 'why' }, why));
  row.addEventListener('click', () => showTask(t.task_id));
  return row;
}

function renderTasks(data) {
  const body = document.querySelector('#tasks tbody');
  body.replaceChildren(...data.tasks.map(taskRow));
  document.getElementById('task-count').textContent =
    data.tasks.length + ' shown of ' + data.matched + ' matching (' + data.held + ' held)';
}

// A task event: its row changes at once (the list is read again shortly after).
function patchTask(d) {
  const row = document.querySelector('#tasks tr[data-task-id="' + CSS.escape(d.task_id) + '"]');
  if (!row) return;
  const cell = row.children[3];
  cell.textContent = d.state;
  cell.className = 'state ' + d.state;
  if (d.agent) row.children[5].textContent = d.agent;
  if (d.state !== 'PENDING') row.children[8].textContent = d.error || '';
}

async function showTask(id) {
  state.selectedTask = id;
  const box = document.getElementById('task-detail');
  box.className = '';
  try {
    const t = await getJson('/api/tasks/' + encodeURIComponent(id));
    const terminal = ['COMPLETED', 'FAILED', 'CANCELLED', 'TIMEOUT'].includes(t.state);
    const hist = el('table', { id: 'task-history' }, el('tr', {}, el('th', {}, 'when'), el('th', {}, 'state'),
      el('th', {}, 'attempt'), el('th', {}, 'agent'), el('th', {}, 'note')));
    for (const h of t.history || []) {
      hist.append(el('tr', {}, el('td', {}, new Date(h.at_ms).toLocaleTimeString()),
        el('td', { class: 'state ' + h.state }, h.state), el('td', {}, h.attempt), el('td', {}, h.agent), el('td', {}, h.note)));
    }
    box.replaceChildren(
      el('h3', {}, 'Task ' + t.task_id + ' ', el('span', { class: 'state ' + t.state, id: 'detail-state' }, t.state)),
      el('div', {}, 'type ', t.type, ' · priority ', t.priority, ' · attempt ', t.attempt, ' · failures ', t.failures),
      el('div', {}, 'needs: ', (t.capabilities || []).join(', ') || 'nothing'),
      el('div', {}, 'depends on: ', (t.depends_on || []).join(', ') || 'nothing'),
      el('div', { id: 'detail-why' }, terminal ? (t.error ? 'error: ' + t.error : '') : ('why: ' + (t.why || 'nothing holds it'))),
      t.gate ? el('div', {}, 'gate: ', JSON.stringify(t.gate)) : '',
      hist,
      terminal ? '' : el('button', { onclick: () => act('/api/tasks/' + encodeURIComponent(t.task_id) + '/cancel', 'cancel ' + t.task_id) }, 'cancel task'));
  } catch (e) {
    box.replaceChildren(el('div', {}, 'task ' + id + ': ' + e.message));
  }
  for (const r of document.querySelectorAll('#tasks tr.task-row')) r.classList.toggle('selected', r.dataset.taskId === id);
}

// ---- Workflows -----------------------------------------------------------------------------

// Layered layout: a step's column is one past its deepest dependency's; rows in submit order.
function dag(steps) {
  const byName = new Map(steps.map(s => [s.name, s]));
  const level = new Map();
  const depth = (s, seen) => {
    if (level.has(s.name)) return level.get(s.name);
    if (seen.has(s.name)) return 0;  // a cycle cannot be submitted; guard anyway
    seen.add(s.name);
    let l = 0;
    for (const d of s.depends_on || []) if (byName.has(d)) l = Math.max(l, depth(byName.get(d), seen) + 1);
    level.set(s.name, l);
    return l;
  };
  steps.forEach(s => depth(s, new Set()));
  const W = 150, H = 40, GX = 50, GY = 14;
  const rows = new Map(), pos = new Map();
  for (const s of steps) {
    const l = level.get(s.name), r = rows.get(l) || 0;
    rows.set(l, r + 1);
    pos.set(s.name, { x: 10 + l * (W + GX), y: 10 + r * (H + GY) });
  }
  const cols = Math.max(1, ...[...level.values()].map(v => v + 1));
  const maxRows = Math.max(1, ...rows.values());
  const root = svg('svg', { width: 20 + cols * (W + GX) - GX, height: 20 + maxRows * (H + GY) - GY, class: 'dag' });
  const defs = svg('defs');
  const marker = svg('marker', { id: 'arrow', viewBox: '0 0 10 10', refX: 10, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto' });
  marker.append(svg('path', { d: 'M0,0 L10,5 L0,10 z', fill: '#888' }));
  defs.append(marker);
  root.append(defs);
  for (const s of steps) {
    for (const d of s.depends_on || []) {
      if (!pos.has(d)) continue;
      const a = pos.get(d), b = pos.get(s.name);
      const x1 = a.x + W, y1 = a.y + H / 2, x2 = b.x, y2 = b.y + H / 2, mx = (x1 + x2) / 2;
      root.append(svg('path', { class: 'edge', d: `M${x1},${y1} C${mx},${y1} ${mx},${y2} ${x2},${y2}`, 'marker-end': 'url(#arrow)' }));
    }
  }
  for (const s of steps) {
    const p = pos.get(s.name), st = s.state || 'UNKNOWN';
    const g = svg('g', { class: 'node ' + st, 'data-step': s.name, 'data-state': st, transform: `translate(${p.x},${p.y})` });
    const title = svg('title');
    title.textContent = s.name + ' (' + (s.task_id || '?') + ') ' + st + (s.agent ? ' on ' + s.agent : '') + (s.error ? ': ' + s.error : '');
    g.append(title, svg('rect', { width: W, height: H, rx: 5 }));
    const t1 = svg('text', { x: 8, y: 16 }); t1.textContent = s.name;
    const t2 = svg('text', { x: 8, y: 32, class: 'step-state' }); t2.textContent = st + (s.agent ? ' · ' + s.agent : '');
    g.append(t1, t2);
    root.append(g);
  }
  return root;
}

function renderWorkflows(data) {
  const box = document.getElementById('workflows');
  if (!data.workflows.length) { box.replaceChildren(el('div', {}, 'no workflow seen yet')); return; }
  box.replaceChildren(...data.workflows.map(w => {
    const ended = ['FAILED', 'CANCELLED'].includes(w.state);
    return el('div', { class: 'workflow', 'data-workflow-id': w.workflow_id },
      el('h3', {}, w.workflow_id + ' ' + (w.name || '') + ' ', el('span', { class: 'state ' + (w.state || '') }, w.state || ''),
        ' run ' + (w.run || 1) + (w.reason ? ' · ' + w.reason : '') + ' ',
        ended ? el('button', { onclick: () => act('/api/workflows/' + encodeURIComponent(w.workflow_id) + '/retry', 'retry ' + w.workflow_id) }, 'retry') : ''),
      dag(w.steps || []));
  }));
}

// ---- Proposals, replicas, bottlenecks ------------------------------------------------------

function renderProposals(data) {
  const body = document.querySelector('#proposals tbody');
  body.replaceChildren(...data.proposals.map(p => {
    const t = p.tally || {};
    const votes = (p.votes || []).map(v => v.agent_id + (v.yes ? ' yes' : ' no')).join(', ');
    return el('tr', { 'data-proposal-id': p.proposal_id },
      el('td', {}, p.proposal_id), el('td', {}, p.type || ''), el('td', {}, p.consensus_type || ''),
      el('td', { class: 'state ' + (p.outcome || '') }, p.outcome || ''),
      el('td', {}, t.eligible == null ? '' : `yes ${t.yes} no ${t.no} of ${t.eligible} (quorum ${t.quorum})`),
      el('td', {}, votes));
  }));
}

function renderCluster(c) {
  const body = document.querySelector('#replicas tbody');
  const rows = [];
  for (const service of ['scheduler', 'consensus']) {
    for (const r of c[service] || []) {
      rows.push(el('tr', { 'data-replica': service + '-' + r.id },
        el('td', {}, service), el('td', {}, r.id), el('td', { class: r.leader ? 'leader' : '' }, r.role || 'single'),
        el('td', {}, r.leader ? 'yes' : ''), el('td', {}, r.term), el('td', {}, r.commit_index), el('td', {}, r.applied_index),
        el('td', {}, r.endpoint), el('td', {}, r.last_seen_age_ms)));
    }
  }
  body.replaceChildren(...rows);
  document.getElementById('summary').textContent = c.registry ? 'registry ' + c.registry + ' · agents up ' + c.agents_up : '';
}

// The namespace selector: every namespace the scheduler's statistics count tasks in, plus the
// one selected (kept even when it holds no task any more).
function renderNamespaces(byNamespace) {
  const select = document.getElementById('filter-namespace');
  const chosen = select.value;
  const names = Object.keys(byNamespace || {}).sort();
  if (chosen && !names.includes(chosen)) names.push(chosen);
  const have = [...select.options].slice(1).map(o => o.value);
  if (have.join('\n') === names.join('\n')) return;
  select.replaceChildren(el('option', { value: '' }, 'all'), ...names.map(n => el('option', { value: n }, n)));
  select.value = chosen;
}

function renderStats(s) {
  const b = s.bottlenecks || {};
  renderNamespaces((s.scheduler || {}).by_namespace);
  const list = (title, items, line) => el('div', { class: 'bn' }, el('h3', {}, title),
    items && items.length ? el('ul', {}, ...items.map(i => el('li', {}, line(i)))) : el('div', {}, 'none'));
  const sched = s.scheduler || {};
  const byState = Object.entries(sched.by_state || {}).map(([k, v]) => k + ' ' + v).join(' · ');
  document.getElementById('bottlenecks').replaceChildren(
    el('div', {}, 'tasks held: ', sched.total ?? '-', byState ? ' (' + byState + ')' : ''),
    list('Ready tasks no agent takes', b.waiting, w => (w.capabilities || []).join('+') + ': ' + w.tasks + ' tasks, oldest waiting ' + w.oldest_wait_ms + ' ms'),
    list('Types waiting longest (p95 queue wait)', b.slowest_types, t => t.type + ': ' + fmt(t.wait_p95_ms, 0) + ' ms wait, ' + fmt(t.run_p95_ms, 0) + ' ms run, ' + t.tasks + ' tasks'),
    list('Agents at capacity', b.saturated_agents, a => a.agent_id + ' ' + a.load + '/' + a.capacity));
}

// ---- Events and refreshing -----------------------------------------------------------------

function addEvent(e) {
  const list = document.getElementById('events');
  const when = new Date(e.ts_ms || Date.now()).toLocaleTimeString();
  list.prepend(el('li', { 'data-topic': e.topic }, when + ' ' + e.topic + ' ' + JSON.stringify(e.data)));
  while (list.children.length > MAX_EVENTS_SHOWN) list.lastChild.remove();
}

const loaders = {
  agents: () => getJson('/api/agents').then(renderAgents),
  tasks: () => getJson('/api/tasks?' + taskQuery()).then(renderTasks),
  workflows: () => getJson('/api/workflows').then(renderWorkflows),
  proposals: () => getJson('/api/proposals').then(renderProposals),
  cluster: () => getJson('/api/cluster').then(renderCluster),
  stats: () => getJson('/api/stats').then(renderStats),
};

// Reads the named sections again, at most every 250 ms however many events come.
function schedule(...names) {
  names.forEach(n => state.dirty.add(n));
  if (state.timer) return;
  state.timer = setTimeout(async () => {
    state.timer = null;
    const names = [...state.dirty];
    state.dirty.clear();
    await Promise.all(names.map(n => loaders[n]().catch(e => console.warn(n, e))));
    if (state.selectedTask && names.includes('tasks')) showTask(state.selectedTask);
  }, 250);
}

function connect() {
  const live = document.getElementById('live');
  const es = new EventSource('/api/events');
  es.onopen = () => { live.textContent = 'live'; live.className = 'badge on'; schedule(...Object.keys(loaders)); };
  es.onerror = () => { live.textContent = 'reconnecting'; live.className = 'badge off'; };
  es.addEventListener('orion', m => {
    const e = JSON.parse(m.data);
    addEvent(e);
    if (e.topic.startsWith('task.')) { if (e.data && e.data.task_id) patchTask(e.data); schedule('tasks'); }
    else if (e.topic.startsWith('workflow.')) schedule('workflows', 'tasks');
    else if (e.topic.startsWith('agent.')) schedule('agents');
    else if (e.topic.startsWith('proposal.')) schedule('proposals');
  });
  es.addEventListener('refresh', () => {
    state.refreshes++;
    schedule('agents', 'cluster', 'stats', 'proposals', 'workflows');
    if (state.refreshes % 5 === 0) schedule('tasks');
  });
}

document.addEventListener('DOMContentLoaded', async () => {
  for (const id of ['filter-state', 'filter-type', 'filter-agent', 'filter-namespace']) {
    document.getElementById(id).addEventListener('input', () => schedule('tasks'));
  }
  document.getElementById('task-filter').addEventListener('submit', ev => ev.preventDefault());
  try {
    const recent = await getJson('/api/events/recent');
    recent.events.forEach(addEvent);
  } catch (e) { console.warn(e); }
  schedule(...Object.keys(loaders));
  connect();
});
