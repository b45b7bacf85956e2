// nnt serve's page. Plain browser JavaScript, no build step; uPlot and Viz come from nnt's own
// node_modules. Everything the server sends is data (numbers, DOT text rendered by Graphviz):
// nothing is evaluated, and text goes into the page as text, never as HTML.
'use strict';

const $ = (id) => document.getElementById(id);
const nnt = (window.nnt = { charts: {} });

async function api(path, body) {
  const init = body === undefined ? {} : { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) };
  const res = await fetch(path, init);
  const data = await res.json();
  if (!res.ok) throw new Error(data.error || res.statusText);
  return data;
}

function bytesOf(base64) {
  return Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
}

// ---- tabs -------------------------------------------------------------------------------------
const shown = { panel: 'draw' };
function show(panel) {
  shown.panel = panel;
  document.querySelectorAll('.tab').forEach((b) => b.classList.toggle('active', b.dataset.panel === panel));
  document.querySelectorAll('.panel').forEach((p) => p.classList.toggle('active', p.id === `panel-${panel}`));
  if (panel === 'inside') refreshInside();
  if (panel === 'explain') loadTopic(explainState.topic);
  if (panel === 'train') resizeCharts();
  location.hash = panel;
}
document.querySelectorAll('.tab').forEach((b) => b.addEventListener('click', () => show(b.dataset.panel)));

// ---- Draw -------------------------------------------------------------------------------------
const draw = $('draw');
const pen = draw.getContext('2d');
let inked = false;
function clearCanvas() {
  pen.fillStyle = '#fff';
  pen.fillRect(0, 0, draw.width, draw.height);
  inked = false;
}
clearCanvas();
pen.lineCap = pen.lineJoin = 'round';
pen.lineWidth = 20;
pen.strokeStyle = '#000';

function point(e) {
  const r = draw.getBoundingClientRect();
  return [((e.clientX - r.left) * draw.width) / r.width, ((e.clientY - r.top) * draw.height) / r.height];
}
let drawing = false;
draw.addEventListener('pointerdown', (e) => {
  drawing = true;
  draw.setPointerCapture(e.pointerId);
  const [x, y] = point(e);
  pen.beginPath();
  pen.moveTo(x, y);
  pen.lineTo(x + 0.01, y);
  pen.stroke();
  inked = true;
});
draw.addEventListener('pointermove', (e) => {
  if (!drawing) return;
  const [x, y] = point(e);
  pen.lineTo(x, y);
  pen.stroke();
});
const endStroke = () => {
  if (!drawing) return;
  drawing = false;
  predict();
};
draw.addEventListener('pointerup', endStroke);
draw.addEventListener('pointercancel', endStroke);
$('clear').addEventListener('click', () => {
  clearCanvas();
  $('bars').replaceChildren();
  $('top').textContent = '';
  $('seen').getContext('2d').clearRect(0, 0, 28, 28);
});

let predicting = false, predictAgain = false;
async function predict() {
  if (!inked) return;
  if (predicting) return void (predictAgain = true);
  predicting = true;
  try {
    const rgba = pen.getImageData(0, 0, draw.width, draw.height).data;
    const grey = new Uint8Array(draw.width * draw.height);
    for (let i = 0; i < grey.length; i++) grey[i] = rgba[4 * i];
    let text = '';
    for (let i = 0; i < grey.length; i += 0x8000) text += String.fromCharCode.apply(null, grey.subarray(i, i + 0x8000));
    const result = await api('/api/predict', { width: draw.width, height: draw.height, grey: btoa(text) });
    showPrediction(result);
  } catch (error) {
    $('top').textContent = error.message;
  } finally {
    predicting = false;
    if (predictAgain) {
      predictAgain = false;
      predict();
    }
  }
}

function showPrediction(result) {
  paintGrey($('seen'), bytesOf(result.input), 28, 28);
  const bars = result.probabilities.map((p, k) => {
    const row = document.createElement('div');
    row.className = 'barrow' + (k === result.top ? ' top' : '');
    const label = document.createElement('span');
    label.textContent = String(k);
    const track = document.createElement('div');
    track.className = 'track';
    const bar = document.createElement('div');
    bar.className = 'bar';
    bar.dataset.p = String(p);
    bar.style.width = `${(100 * p).toFixed(2)}%`;
    track.append(bar);
    const value = document.createElement('span');
    value.textContent = `${(100 * p).toFixed(1).padStart(5)}%`;
    row.append(label, track, value);
    return row;
  });
  $('bars').replaceChildren(...bars);
  $('top').textContent = `it reads a ${result.top} (${(100 * result.probabilities[result.top]).toFixed(1)}%)`;
  $('top').dataset.top = String(result.top);
  paintStrip($('hidden'), result.hidden);
  $('source').textContent = `weights: ${result.source}`;
}

function paintGrey(canvas, bytes, w, h) {
  const ctx = canvas.getContext('2d');
  const image = ctx.createImageData(w, h);
  for (let i = 0; i < w * h; i++) {
    image.data.set([bytes[i], bytes[i], bytes[i], 255], 4 * i);
  }
  ctx.putImageData(image, 0, 0);
}

function paintStrip(canvas, values) {
  if (values.length === 0) {
    $('hidden-note').textContent = 'this network has no hidden activation layer';
    return;
  }
  canvas.width = values.length;
  const max = Math.max(...values.map(Math.abs), 1e-12);
  const bytes = Uint8Array.from(values, (v) => Math.round((255 * Math.abs(v)) / max));
  paintGrey(canvas, bytes, values.length, 1);
}

// ---- Train ------------------------------------------------------------------------------------
const batchData = [[], [], []];
const epochData = [[], [], [], [], []];
function makeChart(el, title, series, data) {
  const width = Math.min(900, document.body.clientWidth - 60);
  const opts = {
    title,
    width,
    height: 260,
    scales: { x: { time: false }, loss: {}, acc: { range: [0, 100] } },
    axes: [{}, { scale: 'loss', label: 'loss' }, { scale: 'acc', side: 1, label: 'accuracy %', grid: { show: false } }],
    series: [{ label: series[0] }, ...series.slice(1).map(([label, scale, color, dash]) => ({ label, scale, stroke: color, width: 2, dash }))],
  };
  return new uPlot(opts, data, el);
}
function resizeCharts() {
  const width = Math.min(900, document.body.clientWidth - 60);
  Object.values(nnt.charts).forEach((c) => c.setSize({ width, height: 260 }));
}
function redraw(name, el, data) {
  nnt.charts[name].setData(data);
  el.dataset.points = String(data[0].length);
  el.dataset.lastStep = String(data[0].at(-1) ?? 0);
}
function addBatch(p) {
  batchData[0].push(p.step);
  batchData[1].push(p.loss);
  batchData[2].push(100 * p.accuracy);
}
function addEpoch(m) {
  epochData[0].push(m.epoch);
  epochData[1].push(m.trainLoss);
  epochData[2].push(m.evalLoss);
  epochData[3].push(100 * m.trainAccuracy);
  epochData[4].push(m.evalAccuracy === null ? null : 100 * m.evalAccuracy);
}
let statusRevision = -1;
function showStatus(s) {
  if (s.revision < statusRevision) return; // an older state that arrived late by the other route
  statusRevision = s.revision;
  $('train-status').textContent = `${s.state}${s.message ? ': ' + s.message : ''}`;
  $('train-status').dataset.state = s.state;
  const busy = s.state === 'running' || s.state === 'stopping';
  $('train-start').disabled = busy;
  $('train-stop').disabled = !busy;
  $('train-resume').disabled = busy || !s.canResume;
}

let pendingRedraw = false;
function scheduleRedraw() {
  if (pendingRedraw) return;
  pendingRedraw = true;
  requestAnimationFrame(() => {
    pendingRedraw = false;
    redraw('batch', $('chart-batch'), batchData);
    redraw('epoch', $('chart-epoch'), epochData);
  });
}

function connectEvents() {
  const events = new EventSource('/api/events');
  events.addEventListener('history', (e) => {
    const h = JSON.parse(e.data);
    batchData.forEach((a) => (a.length = 0));
    epochData.forEach((a) => (a.length = 0));
    h.batches.forEach(addBatch);
    h.epochs.forEach(addEpoch);
    showStatus(h.status);
    scheduleRedraw();
  });
  events.addEventListener('status', (e) => showStatus(JSON.parse(e.data)));
  events.addEventListener('warning', (e) => ($('train-warning').textContent = `warning: ${JSON.parse(e.data).message}`));
  events.addEventListener('batch', (e) => {
    addBatch(JSON.parse(e.data));
    scheduleRedraw();
  });
  events.addEventListener('epoch', (e) => {
    addEpoch(JSON.parse(e.data));
    scheduleRedraw();
  });
  events.addEventListener('values', (e) => {
    $('source').textContent = `weights: ${JSON.parse(e.data).source}`;
    followTraining();
  });
}

async function trainAction(what) {
  try {
    if (what === 'start') {
      batchData.forEach((a) => (a.length = 0));
      epochData.forEach((a) => (a.length = 0));
      scheduleRedraw();
    }
    showStatus(await api(`/api/train/${what}`, {}));
  } catch (error) {
    $('train-status').textContent = error.message;
  }
}
$('train-start').addEventListener('click', () => trainAction('start'));
$('train-stop').addEventListener('click', () => trainAction('stop'));
$('train-resume').addEventListener('click', () => trainAction('resume'));

// While training, the visible panel follows the latest weights (at most once a second).
let lastFollow = 0;
function followTraining() {
  const now = performance.now();
  if (now - lastFollow < 1000) return;
  lastFollow = now;
  if (shown.panel === 'draw') predict();
  if (shown.panel === 'inside') refreshWeights();
}

// ---- Look inside ------------------------------------------------------------------------------
function refreshInside() {
  refreshWeights();
  refreshMistakes();
}

async function refreshWeights() {
  const { shape, float32le } = await api('/api/first-layer');
  const bytes = bytesOf(float32le);
  const w = new Float32Array(bytes.buffer);
  const [inputs, units] = shape;
  const side = Math.round(Math.sqrt(inputs));
  if (side * side !== inputs) return;
  const cols = Math.min(units, 10), rows = Math.ceil(units / cols), pad = 2, cell = side + pad;
  const canvas = $('weights');
  canvas.width = cols * cell;
  canvas.height = rows * cell;
  canvas.style.width = `${cols * cell * 3}px`;
  const ctx = canvas.getContext('2d');
  const image = ctx.createImageData(canvas.width, canvas.height);
  image.data.fill(255);
  for (let u = 0; u < units; u++) {
    let max = 1e-12;
    for (let i = 0; i < inputs; i++) max = Math.max(max, Math.abs(w[i * units + u]));
    const ox = (u % cols) * cell, oy = Math.floor(u / cols) * cell;
    for (let i = 0; i < inputs; i++) {
      const v = w[i * units + u] / max;
      const at = 4 * ((oy + Math.floor(i / side)) * canvas.width + ox + (i % side));
      // Diverging: white at 0, red for positive weights, blue for negative.
      const strength = Math.round(255 * (1 - Math.abs(v)));
      image.data.set(v >= 0 ? [255, strength, strength, 255] : [strength, strength, 255, 255], at);
    }
  }
  ctx.putImageData(image, 0, 0);
  canvas.dataset.units = String(units);
}

async function refreshMistakes() {
  const { scanned, mistakes, source } = await api('/api/mistakes');
  $('mistakes-note').textContent = `${mistakes.length}${mistakes.length === 32 ? '+' : ''} wrong among the first ${scanned} test digits (label → what the net says), with ${source}`;
  $('mistakes').replaceChildren(
    ...mistakes.map((m) => {
      const box = document.createElement('div');
      box.className = 'mistake';
      const canvas = document.createElement('canvas');
      canvas.width = canvas.height = 28;
      paintGrey(canvas, bytesOf(m.pixels), 28, 28);
      const caption = document.createElement('span');
      caption.textContent = `${m.label} → ${m.predicted}`;
      box.append(canvas, caption);
      return box;
    }),
  );
}
$('mistakes-refresh').addEventListener('click', refreshMistakes);

// ---- Explain ----------------------------------------------------------------------------------
const explainState = { topic: 'shopping', steps: [], step: 0, viz: null, loaded: null };
async function loadTopic(topic) {
  explainState.topic = topic;
  document.querySelectorAll('#topics button').forEach((b) => b.classList.toggle('active', b.dataset.topic === topic));
  if (explainState.loaded === topic) return renderStep();
  const data = await api(`/api/explain?topic=${encodeURIComponent(topic)}`);
  explainState.steps = data.steps;
  explainState.step = 0;
  explainState.loaded = topic;
  renderStep();
}
async function renderStep() {
  explainState.viz ??= await Viz.instance();
  const { steps, step } = explainState;
  const svg = explainState.viz.renderSVGElement(steps[step].dot);
  $('graph').replaceChildren(svg);
  $('graph').dataset.step = String(step);
  $('step-note').textContent = `step ${step + 1}/${steps.length}: ${steps[step].note}`;
}
function go(step) {
  explainState.step = Math.max(0, Math.min(explainState.steps.length - 1, step));
  renderStep();
}
$('step-first').addEventListener('click', () => go(0));
$('step-prev').addEventListener('click', () => go(explainState.step - 1));
$('step-next').addEventListener('click', () => go(explainState.step + 1));
$('step-last').addEventListener('click', () => go(explainState.steps.length - 1));

// ---- start ------------------------------------------------------------------------------------
async function start() {
  const state = await api('/api/state');
  $('source').textContent = `weights: ${state.source}`;
  $('topics').replaceChildren(
    ...state.topics.map((topic) => {
      const b = document.createElement('button');
      b.textContent = topic;
      b.dataset.topic = topic;
      b.addEventListener('click', () => loadTopic(topic));
      return b;
    }),
  );
  nnt.charts.batch = makeChart($('chart-batch'), 'loss and accuracy per batch', ['step', ['train loss', 'loss', '#d1242f'], ['train accuracy %', 'acc', '#1f6feb']], batchData);
  nnt.charts.epoch = makeChart(
    $('chart-epoch'),
    'loss and accuracy per epoch',
    ['epoch', ['train loss', 'loss', '#d1242f'], ['eval loss', 'loss', '#d1242f', [6, 4]], ['train accuracy %', 'acc', '#1f6feb'], ['eval accuracy %', 'acc', '#1f6feb', [6, 4]]],
    epochData,
  );
  showStatus(state.training);
  connectEvents();
  const panel = location.hash.slice(1);
  show(['draw', 'train', 'inside', 'explain'].includes(panel) ? panel : 'draw');
  document.body.dataset.ready = 'true';
}
start();
