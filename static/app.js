// app.js is the page: settings mirrored in the URL hash, control messages
// to the training workers, and drawing. It holds no network code; the
// workers (worker.js, running the Go engine) do all the computing.
'use strict';

(() => {
  // ---- settings: the whole state of the page, mirrored in the URL hash ----

  const DICTS = ['se', 'emp', 'randfixu', 'lowrank', 'dense'];
  const DICT_NAMES = { se: 'SE kernel', emp: 'Emp (covariance)', randfixu: 'RandFixU (random)', lowrank: 'LowRank (U learned)', dense: 'dense (no prediction)' };

  // FIELDS lists every setting: its hash key, type, range and default.
  // Go validates them again (wasm/session.Params); the ranges match.
  const FIELDS = [
    { key: 'model', label: 'model', type: 'choice', choices: ['mlp', 'conv'], names: { mlp: 'MLP', conv: 'small convnet' }, def: 'mlp' },
    { key: 'depth', label: 'hidden layers', type: 'choice', choices: ['1', '2'], def: '1', when: (p) => p.model === 'mlp' },
    { key: 'hidden', label: 'hidden width', type: 'int', min: 1, max: 1024, def: 512 },
    { key: 'd1', label: 'layer 1 dictionary', type: 'choice', choices: DICTS, names: DICT_NAMES, def: 'se' },
    { key: 'd2', label: 'layer 2 dictionary', type: 'choice', choices: DICTS, names: DICT_NAMES, def: 'emp', when: (p) => p.model === 'conv' || p.depth === '2' },
    { key: 'd3', label: 'layer 3 dictionary', type: 'choice', choices: DICTS, names: DICT_NAMES, def: 'dense', when: (p) => p.model === 'conv' },
    { key: 'frac', label: 'fraction learned', type: 'range', min: 0.005, max: 1, step: 0.005, def: 0.195 },
    { key: 'cols', label: 'columns J', type: 'int', min: 1, max: 64, def: 1 },
    { key: 'ell', label: 'SE length ℓ (px)', type: 'float', min: 0.1, max: 50, def: 2 },
    { key: 'ridge', label: 'SE ridge λ', type: 'float', min: 0, max: 100, def: 0.1 },
    { key: 'opt', label: 'optimizer', type: 'choice', choices: ['adam', 'sgd'], names: { adam: 'Adam', sgd: 'SGD, momentum 0.9' }, def: 'adam' },
    { key: 'lr', label: 'learning rate', title: 'halves every 50,000 examples', type: 'float', min: 1e-6, max: 10, def: 0.003 },
    { key: 'batch', label: 'batch size', type: 'int', min: 1, max: 1000, def: 64 },
    { key: 'seed', label: 'seed', type: 'int', min: 0, max: 2147483647, def: 1 },
    { key: 'compare', label: 'compare with dense', type: 'bool', def: false },
  ];
  const FIELD = Object.fromEntries(FIELDS.map((f) => [f.key, f]));

  function defaults() {
    return Object.fromEntries(FIELDS.map((f) => [f.key, f.def]));
  }

  // parseValue checks one hash value against its field.
  function parseValue(f, s) {
    switch (f.type) {
      case 'choice':
        return f.choices.includes(s) ? { value: s } : { error: 'not one of ' + f.choices.join(', ') };
      case 'bool':
        if (s === '1' || s === 'true') return { value: true };
        if (s === '0' || s === 'false') return { value: false };
        return { error: 'not 0 or 1' };
      default: {
        const v = Number(s);
        if (s.trim() === '' || !Number.isFinite(v)) return { error: 'not a number' };
        if ((f.type === 'int') && !Number.isInteger(v)) return { error: 'not a whole number' };
        if (v < f.min || v > f.max) return { error: `out of range (${f.min} to ${f.max})` };
        return { value: v };
      }
    }
  }

  // parseHash returns the settings a hash describes and the problems met;
  // a bad entry keeps its default.
  function parseHash(hash) {
    const p = defaults();
    const problems = [];
    const s = hash.replace(/^#/, '');
    for (const part of s ? s.split('&') : []) {
      if (!part) continue;
      const eq = part.indexOf('=');
      let k, v;
      try {
        k = decodeURIComponent(eq < 0 ? part : part.slice(0, eq));
        v = decodeURIComponent(eq < 0 ? '' : part.slice(eq + 1));
      } catch (_) {
        problems.push(`“${part.slice(0, 40)}” is not readable`);
        continue;
      }
      const f = FIELD[k];
      if (!f) { problems.push(`unknown setting “${k.slice(0, 40)}”`); continue; }
      const r = parseValue(f, v);
      if (r.error) { problems.push(`${k}=${v.slice(0, 40)} is ${r.error}, so ${k}=${formatValue(f, f.def)}`); continue; }
      p[k] = r.value;
    }
    return { p, problems };
  }

  function formatValue(f, v) {
    if (f.type === 'bool') return v ? '1' : '0';
    return String(v);
  }

  function hashOf(p) {
    return '#' + FIELDS.map((f) => f.key + '=' + encodeURIComponent(formatValue(f, p[f.key]))).join('&');
  }

  // goParams is what the worker's Go side reads (session.Params).
  function goParams(p) {
    const dicts = p.model === 'conv' ? [p.d1, p.d2, p.d3] : [p.d1, p.d2].slice(0, Number(p.depth));
    return {
      model: p.model, hidden: p.hidden, depth: Number(p.depth), dicts, fraction: p.frac,
      columns: p.cols, length: p.ell, ridge: p.ridge, optim: p.opt, lr: p.lr, batch: p.batch, seed: p.seed,
    };
  }

  // ---- state: everything the page holds, in one object ----

  const App = {
    params: defaults(),
    module: null,       // the compiled wasm module, shared by the workers
    data: null,         // the four data files as ArrayBuffers
    loadFailed: false,
    workers: {},        // name ('main', 'dense') → {worker, ready, pending}
    runs: { main: newRun(), dense: newRun() },
    trainRequested: false,
    paused: false,
    table: null,
    unitsLayer: -1,
    units: null,
    detail: null,
    prediction: null,
    padDirty: false,
    unitsVisible: true,  // the unit grid is on screen
    unitsStale: false,   // new unit weights wait to be drawn
    pending: new Set(),  // views to redraw at the next frame (see later)
    lastPredict: 0,
    dirty: true,
    message: '',
  };

  const state = {
    running: false, examplesSeen: 0, testAccuracy: null, evaluatedAt: null, error: null,
    seconds: 0, evaluatedSeconds: null, examplesPerS: 0, msPerStep: 0, ready: false,
    dense: null, prediction: null,
  };
  window.trainingState = state;

  function newRun() {
    return { started: false, train: [], test: [], last: null, confusion: null, confusionAt: 0, speed: [] };
  }

  const $ = (id) => document.getElementById(id);

  // ---- messages ----

  function showMessage(text) {
    App.message = text;
    state.error = text;
    const m = $('message');
    m.textContent = text;
    m.hidden = false;
  }

  function clearMessage() {
    App.message = '';
    state.error = null;
    $('message').hidden = true;
  }

  // guard runs f and turns an exception into the page's message, so that
  // nothing throws to the console.
  function guard(f) {
    return (...args) => {
      try {
        return f(...args);
      } catch (err) {
        showMessage('Something went wrong on this page: ' + (err && err.message ? err.message : err));
        return undefined;
      }
    };
  }

  // ---- controls ----

  function buildFields() {
    const box = $('fields');
    for (const f of FIELDS) {
      const row = document.createElement('div');
      row.className = 'field';
      row.id = 'field-' + f.key;
      const label = document.createElement('label');
      label.htmlFor = 'in-' + f.key;
      label.textContent = f.label;
      if (f.title) label.title = f.title;
      row.appendChild(label);
      let input;
      if (f.type === 'choice') {
        input = document.createElement('select');
        for (const c of f.choices) {
          const o = document.createElement('option');
          o.value = c;
          o.textContent = (f.names && f.names[c]) || c;
          input.appendChild(o);
        }
        row.appendChild(input);
      } else if (f.type === 'bool') {
        input = document.createElement('input');
        input.type = 'checkbox';
        row.appendChild(input);
      } else if (f.type === 'range') {
        const wrap = document.createElement('div');
        wrap.className = 'range';
        input = document.createElement('input');
        input.type = 'range';
        input.min = f.min; input.max = f.max; input.step = f.step;
        const out = document.createElement('output');
        out.id = 'out-' + f.key;
        wrap.append(input, out);
        row.appendChild(wrap);
      } else {
        input = document.createElement('input');
        input.type = 'number';
        input.min = f.min; input.max = f.max;
        input.step = f.type === 'int' ? 1 : 'any';
        input.inputMode = f.type === 'int' ? 'numeric' : 'decimal';
        row.appendChild(input);
      }
      input.id = 'in-' + f.key;
      input.addEventListener(f.type === 'range' ? 'input' : 'change', guard(() => onField(f, input)));
      box.appendChild(row);
    }
  }

  function onField(f, input) {
    let v;
    if (f.type === 'bool') v = input.checked;
    else if (f.type === 'choice') v = input.value;
    else {
      const r = parseValue(f, input.value);
      if (r.error) {
        showMessage(`${f.label}: ${input.value} is ${r.error}; keeping ${formatValue(f, App.params[f.key])}.`);
        renderFields();
        return;
      }
      v = r.value;
    }
    App.params[f.key] = v;
    if (f.key === 'compare' && v && App.module) worker('dense');
    if (App.message && App.message.startsWith(f.label)) clearMessage();
    history.replaceState(null, '', hashOf(App.params));
    renderFields();
    if (state.running || App.paused) $('note').textContent = 'Settings changed: press Train to start a new run with them.';
  }

  function renderFields() {
    const p = App.params;
    const conv = p.model === 'conv';
    const labels = conv ? { d1: 'conv 1 dictionary', d2: 'conv 2 dictionary', d3: 'dense dictionary' }
      : { d1: 'layer 1 dictionary', d2: 'layer 2 dictionary', d3: 'layer 3 dictionary' };
    for (const f of FIELDS) {
      const input = $('in-' + f.key);
      const v = p[f.key];
      if (f.type === 'bool') input.checked = v;
      else input.value = String(v);
      if (f.type === 'range') $('out-' + f.key).textContent = Number(v).toFixed(3);
      const row = $('field-' + f.key);
      const on = !f.when || f.when(p);
      row.classList.toggle('off', !on);
      input.disabled = !on;
      if (labels[f.key]) row.querySelector('label').textContent = labels[f.key];
    }
  }

  function applyHash() {
    const { p, problems } = parseHash(location.hash);
    App.params = p;
    renderFields();
    if (problems.length) {
      showMessage('This link has settings the page cannot use: ' + problems.join('; ') + '. Everything else works as usual.');
      history.replaceState(null, '', hashOf(p));
    }
  }

  // ---- loading ----

  const DATA_FILES = ['data/train-images.idx.gz', 'data/train-labels.idx.gz', 'data/test-images.idx.gz', 'data/test-labels.idx.gz'];

  async function fetchBytes(url) {
    const r = await fetch(url);
    if (!r.ok) throw new Error(`${url}: HTTP ${r.status}`);
    return r.arrayBuffer();
  }

  // SIMD_PROBE is a wasm module whose one function uses a SIMD instruction
  // (i32.const 0; i8x16.splat): it validates only where wasm SIMD runs.
  const SIMD_PROBE = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123,
    3, 2, 1, 0, 10, 8, 1, 6, 0, 65, 0, 253, 15, 11]);

  // engineFile names the engine build for this browser: main.wasm uses wasm
  // SIMD; main-scalar.wasm, for browsers without it (or with ?scalar in the
  // address), trains the same model bit for bit, only slower.
  function engineFile() {
    const scalar = new URLSearchParams(location.search).has('scalar') || !WebAssembly.validate(SIMD_PROBE);
    return scalar ? 'main-scalar.wasm' : 'main.wasm';
  }

  async function compileEngine() {
    const file = engineFile();
    const r = await fetch(file);
    if (!r.ok) throw new Error(`${file}: HTTP ${r.status}`);
    if ((r.headers.get('Content-Type') || '').startsWith('application/wasm') && WebAssembly.compileStreaming) {
      return WebAssembly.compileStreaming(r);
    }
    return WebAssembly.compile(await r.arrayBuffer());
  }

  async function load() {
    setStatus('loading the engine and 30,000 digits…');
    try {
      const [module, ...data] = await Promise.all([compileEngine(), ...DATA_FILES.map(fetchBytes)]);
      App.module = module;
      App.data = data;
    } catch (err) {
      App.loadFailed = true;
      setStatus('not loaded');
      showMessage('The page could not load what it needs (' + (err && err.message ? err.message : err) +
        '). Check the connection and reload; the settings above still work and are kept in the link.');
      return;
    }
    worker('main');
    if (App.params.compare) worker('dense');
  }

  function worker(name) {
    if (App.workers[name]) return App.workers[name];
    const h = { name, ready: false, pending: null, worker: new Worker('worker.js') };
    h.worker.onmessage = guard((e) => onWorker(h, e.data));
    h.worker.onerror = (e) => {
      e.preventDefault();
      showMessage(`The ${name} training engine stopped (${e.message || 'worker error'}). Press Reset, then Train.`);
      stopped(h);
    };
    h.worker.postMessage({ type: 'init', module: App.module, data: App.data.map((b) => b.slice(0)) });
    App.workers[name] = h;
    return h;
  }

  function send(name, msg) {
    const h = App.workers[name];
    if (!h) return;
    if (msg.type === 'start' && !h.ready) { h.pending = msg; return; }
    if (h.ready) h.worker.postMessage(msg);
  }

  function stopped(h) {
    App.runs[h.name].started = false;
    if (h.name === 'main') {
      state.running = false;
      App.paused = false;
      renderButtons();
      setStatus('stopped');
    }
  }

  // ---- worker messages ----

  function onWorker(h, m) {
    const run = App.runs[h.name];
    switch (m.type) {
      case 'ready':
        h.ready = true;
        if (h.name === 'main') {
          state.ready = true;
          setStatus(state.running ? 'building the model…' : 'ready: press Train');
        }
        if (h.pending) { h.worker.postMessage(h.pending); h.pending = null; }
        break;
      case 'started':
        run.started = true;
        if (h.name === 'main') {
          App.table = m.table;
          renderTable();
          renderLayerChoice();
          setStatus('training');
        }
        break;
      case 'update':
        onUpdate(h.name, run, m.update);
        break;
      case 'units':
        if (h.name === 'main' && m.units.layer === App.unitsLayer) {
          App.units = m.units;
          // Off screen, the grid is drawn when it scrolls into view.
          if (App.unitsVisible) later('units'); else App.unitsStale = true;
        }
        break;
      case 'unit':
        App.detail = m.detail;
        later('detail');
        break;
      case 'prediction':
        App.prediction = m.result;
        drawPrediction();
        break;
      case 'error':
        showMessage(h.name === 'dense' ? 'Dense comparison run: ' + m.message : m.message);
        if (m.stop) stopped(h);
        break;
      case 'paused':
      case 'resumed':
        break;
    }
  }

  function onUpdate(name, run, u) {
    run.last = u;
    const pt = { x: u.seconds, loss: u.trainLoss, acc: u.trainAccuracy };
    if (u.steps > 0) run.train.push(pt);
    if (run.train.length > 1600) run.train = run.train.filter((_, i) => i % 2 === 0);
    if (u.examplesPerS > 0) {
      run.speed.push([u.examplesPerS, u.msPerStep]);
      if (run.speed.length > 20) run.speed.shift();
    }
    const e = u.evaluation;
    if (e) {
      run.test.push({ x: e.seconds, loss: e.loss, acc: e.accuracy, examples: e.examples });
      if (e.confusion) { run.confusion = e.confusion; run.confusionAt = e.examples; }
    }
    const [eps, ms] = meanSpeed(run);
    if (name === 'main') {
      state.examplesSeen = u.examples;
      state.seconds = u.seconds;
      state.examplesPerS = eps;
      state.msPerStep = ms;
      if (e) {
        state.testAccuracy = e.accuracy;
        state.evaluatedAt = e.examples;
        state.evaluatedSeconds = e.seconds;
        if (e.confusion) later('confusion');
      }
    } else {
      const last = run.test[run.test.length - 1];
      state.dense = {
        examplesSeen: u.examples, seconds: u.seconds, examplesPerS: eps,
        testAccuracy: last ? last.acc : null, evaluatedAt: last ? last.examples : null,
      };
    }
    App.dirty = true;
  }

  function meanSpeed(run) {
    if (!run.speed.length) return [0, 0];
    let a = 0, b = 0;
    for (const [e, m] of run.speed) { a += e; b += m; }
    return [a / run.speed.length, b / run.speed.length];
  }

  // ---- buttons ----

  function train() {
    clearMessage();
    $('note').textContent = '';
    if (App.loadFailed) {
      showMessage('The engine or the digits did not load, so nothing can train. Reload the page to try again.');
      return;
    }
    App.runs = { main: newRun(), dense: newRun() };
    App.units = null; App.detail = null; App.table = null;
    Object.assign(state, { running: true, examplesSeen: 0, testAccuracy: null, evaluatedAt: null, seconds: 0, evaluatedSeconds: null, examplesPerS: 0, msPerStep: 0, dense: null });
    App.paused = false;
    renderTable(); later('detail', 'confusion', 'units');
    const gp = goParams(App.params);
    if (!App.module) { App.trainRequested = true; setStatus('loading… training starts when ready'); renderButtons(); return; }
    worker('main');
    send('main', { type: 'start', params: gp });
    if (App.params.compare) {
      worker('dense');
      // The comparison computes half the time, so that the main run keeps
      // most of a busy machine; each curve is drawn against its own
      // training time, so the comparison stays fair.
      send('dense', { type: 'start', params: Object.assign({}, gp, { dicts: [] }), duty: 0.5 });
    } else {
      send('dense', { type: 'stop' });
    }
    setStatus(App.workers.main.ready ? 'building the model…' : 'starting the engine…');
    renderButtons();
    App.dirty = true;
  }

  function pause() {
    if (!state.running && !App.paused) return;
    if (App.paused) {
      App.paused = false;
      state.running = true;
      for (const n of ['main', 'dense']) send(n, { type: 'resume' });
      setStatus('training');
    } else {
      App.paused = true;
      state.running = false;
      for (const n of ['main', 'dense']) send(n, { type: 'pause' });
      setStatus('paused');
    }
    renderButtons();
  }

  function reset() {
    for (const n of ['main', 'dense']) send(n, { type: 'stop' });
    App.runs = { main: newRun(), dense: newRun() };
    App.paused = false;
    App.units = null; App.detail = null; App.table = null; App.prediction = null;
    Object.assign(state, { running: false, examplesSeen: 0, testAccuracy: null, evaluatedAt: null, seconds: 0, evaluatedSeconds: null, examplesPerS: 0, msPerStep: 0, dense: null, prediction: null });
    clearMessage();
    $('note').textContent = '';
    renderTable(); drawPrediction(); later('detail', 'confusion', 'units');
    setStatus(state.ready ? 'ready: press Train' : 'loading…');
    renderButtons();
    App.dirty = true;
  }

  function renderButtons() {
    const any = state.running || App.paused;
    $('pause').disabled = !any;
    $('pause').textContent = App.paused ? 'Resume' : 'Pause';
    $('reset').disabled = !any && !App.runs.main.started;
    $('train').textContent = any ? 'Restart' : 'Train';
  }

  function setStatus(s) { $('s-status').textContent = s; }

  // ---- drawing helpers ----

  const COLORS = { main: '#d9480f', dense: '#1c7ed6' };

  // fitCanvas sizes a canvas's backing store to its CSS box and returns a
  // context scaled to CSS pixels.
  function fitCanvas(c, cssHeight) {
    const dpr = window.devicePixelRatio || 1;
    const w = c.clientWidth || 300;
    const h = cssHeight || c.clientHeight || 200;
    if (c.width !== Math.round(w * dpr) || c.height !== Math.round(h * dpr)) {
      c.width = Math.round(w * dpr);
      c.height = Math.round(h * dpr);
    }
    const g = c.getContext('2d');
    g.setTransform(dpr, 0, 0, dpr, 0, 0);
    g.clearRect(0, 0, w, h);
    return { g, w, h };
  }

  function niceStep(span, n) {
    const raw = span / Math.max(1, n);
    const p = Math.pow(10, Math.floor(Math.log10(raw)));
    const f = raw / p;
    return (f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10) * p;
  }

  // drawChart draws series of {pts, color, width, dash, dots} against
  // labelled axes; log scales the y axis.
  function drawChart(canvas, opt) {
    const { g, w, h } = fitCanvas(canvas);
    const L = 52, R = 10, T = 10, B = 38;
    const pw = w - L - R, ph = h - T - B;
    const X = (x) => L + (x - opt.x0) / (opt.x1 - opt.x0) * pw;
    const ty = opt.log ? Math.log10 : (v) => v;
    const Y = (y) => T + ph - (ty(y) - ty(opt.y0)) / (ty(opt.y1) - ty(opt.y0)) * ph;
    g.font = '12px "Liberation Sans", Arial, sans-serif';
    g.fillStyle = '#5b6475';
    g.strokeStyle = '#e9ecef';
    g.lineWidth = 1;
    // y grid and ticks
    g.textAlign = 'right'; g.textBaseline = 'middle';
    const yt = opt.log ? logTicks(opt.y0, opt.y1) : linTicks(opt.y0, opt.y1, 5);
    for (const v of yt) {
      const y = Y(v);
      g.beginPath(); g.moveTo(L, y); g.lineTo(L + pw, y); g.stroke();
      g.fillText(opt.yFmt(v), L - 6, y);
    }
    g.textAlign = 'center'; g.textBaseline = 'top';
    for (const v of linTicks(opt.x0, opt.x1, Math.max(3, Math.floor(pw / 70)))) {
      const x = X(v);
      g.beginPath(); g.moveTo(x, T); g.lineTo(x, T + ph); g.stroke();
      g.fillText(String(Math.round(v * 10) / 10), x, T + ph + 5);
    }
    g.strokeStyle = '#868e96';
    g.strokeRect(L + 0.5, T + 0.5, pw, ph);
    g.fillStyle = '#1d2330';
    g.fillText(opt.xLabel, L + pw / 2, T + ph + 21);
    g.save();
    g.translate(13, T + ph / 2); g.rotate(-Math.PI / 2);
    g.textBaseline = 'middle';
    g.fillText(opt.yLabel, 0, 0);
    g.restore();
    g.save();
    g.beginPath(); g.rect(L, T, pw, ph); g.clip();
    for (const s of opt.series) {
      if (!s.pts.length) continue;
      g.strokeStyle = s.color; g.fillStyle = s.color;
      g.lineWidth = s.width; g.setLineDash(s.dash || []);
      g.beginPath();
      const lo = opt.log ? opt.y0 : -Infinity;
      s.pts.forEach((p, i) => {
        const y = Math.max(T - 2, Math.min(T + ph + 2, Y(Math.max(s.y(p), lo))));
        if (i) g.lineTo(X(p.x), y); else g.moveTo(X(p.x), y);
      });
      g.stroke();
      g.setLineDash([]);
      if (s.dots) {
        g.beginPath();
        for (const p of s.pts) { const x = X(p.x), y = Y(Math.max(s.y(p), lo)); g.moveTo(x + 3, y); g.arc(x, y, 3, 0, 2 * Math.PI); }
        g.fill();
      }
    }
    g.restore();
    if (!opt.series.some((s) => s.pts.length)) {
      g.fillStyle = '#868e96'; g.textAlign = 'center'; g.textBaseline = 'middle';
      g.fillText('press Train', L + pw / 2, T + ph / 2);
    }
  }

  function linTicks(a, b, n) {
    const s = niceStep(b - a, n);
    const out = [];
    for (let v = Math.ceil(a / s - 1e-9) * s; v <= b + 1e-9; v += s) out.push(Math.round(v / s) * s);
    return out;
  }

  function logTicks(a, b) {
    const out = [];
    for (let e = Math.floor(Math.log10(a)); e <= Math.ceil(Math.log10(b)); e++) {
      for (const m of [1, 2, 5]) {
        const v = m * Math.pow(10, e);
        if (v >= a * 0.999 && v <= b * 1.001) out.push(v);
      }
    }
    return out;
  }

  function drawCharts() {
    const runs = [['main', App.runs.main], ['dense', App.runs.dense]];
    let x1 = 10, accMin = 90, lossMin = 1, lossMax = 0.1;
    for (const [, r] of runs) {
      for (const p of r.train) { x1 = Math.max(x1, p.x); }
      for (const p of r.test) { x1 = Math.max(x1, p.x); accMin = Math.min(accMin, p.acc * 100); lossMin = Math.min(lossMin, p.loss); lossMax = Math.max(lossMax, p.loss); }
      for (const p of r.train) { if (p.loss > 0) { lossMin = Math.min(lossMin, p.loss); lossMax = Math.max(lossMax, p.loss); } }
    }
    const y0 = Math.max(0, Math.floor(accMin / 5) * 5);
    const accSeries = [], lossSeries = [];
    for (const [n, r] of runs) {
      if (!r.train.length && !r.test.length) continue;
      const acc = (p) => p.acc * 100, loss = (p) => p.loss;
      accSeries.push({ pts: r.train, y: acc, color: COLORS[n], width: 1.2, dash: [4, 3] });
      accSeries.push({ pts: r.test, y: acc, color: COLORS[n], width: 2.5, dots: true });
      lossSeries.push({ pts: r.train, y: loss, color: COLORS[n], width: 1.2, dash: [4, 3] });
      lossSeries.push({ pts: r.test, y: loss, color: COLORS[n], width: 2.5, dots: true });
    }
    const xs = { x0: 0, x1: Math.ceil(x1 / 5) * 5, xLabel: 'training time (s, evaluation included)' };
    drawChart($('acc-chart'), Object.assign({ y0, y1: 100, yLabel: 'accuracy (%)', yFmt: (v) => v.toFixed(v % 1 ? 1 : 0), series: accSeries }, xs));
    const lo = Math.pow(10, Math.floor(Math.log10(Math.max(lossMin, 1e-3))));
    const hi = Math.pow(10, Math.ceil(Math.log10(Math.max(lossMax, lo * 10))));
    drawChart($('loss-chart'), Object.assign({ y0: lo, y1: hi, log: true, yLabel: 'cross-entropy loss', yFmt: (v) => String(+v.toPrecision(2)), series: lossSeries }, xs));
    renderLegend();
  }

  function renderLegend() {
    const p = App.params;
    const acc = App.table ? App.table.accounting : null;
    const name = !acc ? 'this model' : acc.fraction_learned < 1 ? `predicted (${+(acc.fraction_learned * 100).toFixed(1)}% of hidden weights learned)` : 'this model (dense)';
    const items = [[COLORS.main, name + ', test', ''], [COLORS.main, 'train window', 'thin']];
    if (p.compare || App.runs.dense.train.length) items.push([COLORS.dense, 'dense, test', ''], [COLORS.dense, 'train window', 'thin']);
    const html = items.map(([c, t, cls]) => `<span class="${cls}" style="--c:${c}">${t}</span>`).join('');
    if ($('legend').innerHTML !== html) $('legend').innerHTML = html;
  }

  const fmtInt = (n) => Math.round(n).toLocaleString('en-US');

  function renderStats() {
    const r = App.runs.main;
    const u = r.last;
    $('s-examples').textContent = u ? fmtInt(u.examples) : '–';
    $('s-epoch').textContent = u ? String(u.epoch + 1) : '–';
    $('s-time').textContent = u ? u.seconds.toFixed(1) + ' s' : '–';
    $('s-speed').textContent = state.examplesPerS ? fmtInt(state.examplesPerS) : '–';
    $('s-step').textContent = state.msPerStep ? state.msPerStep.toFixed(1) : '–';
    $('s-acc').textContent = state.testAccuracy == null ? (u && u.evaluating ? 'evaluating…' : '–')
      : `${(state.testAccuracy * 100).toFixed(2)} % at ${state.evaluatedSeconds.toFixed(0)} s`;
    const d = state.dense;
    $('s-dense').textContent = !d ? (App.params.compare && state.running ? 'starting…' : 'off')
      : d.testAccuracy == null ? `${fmtInt(d.examplesPerS)} ex/s` : `${(d.testAccuracy * 100).toFixed(2)} %, ${fmtInt(d.examplesPerS)} ex/s`;
  }

  // ---- parameter table ----

  // colClass styles column i: numbers right-aligned; the kind may wrap;
  // the dense-layer column is dropped on narrow screens.
  function colClass(i) {
    return i === 1 ? 'kind' : i === 6 ? 'n opt' : i >= 2 ? 'n' : '';
  }

  function renderTable() {
    const body = $('params').tBodies[0];
    const old = $('params').tFoot;
    if (old) old.remove();
    const t = App.table;
    if (!t) {
      body.innerHTML = '<tr><td colspan="8" class="empty">Press Train to build the model.</td></tr>';
      $('params-note').textContent = '';
      return;
    }
    body.innerHTML = '';
    let st = 0, le = 0, bi = 0, to = 0, de = 0;
    for (const r of t.rows) {
      const tr = body.insertRow();
      const cells = [r.layer + 1 + '', `${r.kind} ${r.desc}`, fmtInt(r.static), fmtInt(r.learned), fmtInt(r.biases), fmtInt(r.total), fmtInt(r.denseEquivalent), r.fraction.toFixed(3)];
      cells.forEach((c, i) => { const td = tr.insertCell(); td.textContent = c; td.className = colClass(i); });
      st += r.static; le += r.learned; bi += r.biases; to += r.total; de += r.denseEquivalent;
    }
    const foot = $('params').createTFoot().insertRow();
    ['all', '', fmtInt(st), fmtInt(le), fmtInt(bi), fmtInt(to), fmtInt(de), (to / de).toFixed(3)].forEach((c, i) => {
      const td = foot.insertCell(); td.textContent = c; td.className = colClass(i);
    });
    const a = t.accounting;
    $('params-note').textContent = `Fraction learned as the paper counts it (predicted layers' weights only): ${a.fraction_learned.toFixed(3)}. ` +
      `Hidden weights learned: ${fmtInt(a.learned_weights)}. The whole network trains ${fmtInt(a.total_trainable)} numbers instead of ${fmtInt(a.dense_equivalent)} (${(a.fraction_learned_net * 100).toFixed(1)}%).`;
  }

  // ---- unit images ----

  function renderLayerChoice() {
    const sel = $('units-layer');
    sel.innerHTML = '';
    const t = App.table;
    if (!t) return;
    for (const r of t.rows) {
      const o = document.createElement('option');
      o.value = r.layer;
      o.textContent = `${r.layer + 1}: ${r.kind} ${r.desc}`;
      sel.appendChild(o);
    }
    App.unitsLayer = t.rows.length ? t.rows[0].layer : -1;
    sel.value = String(App.unitsLayer);
    send('main', { type: 'units', layer: App.unitsLayer, max: 64 });
  }

  // PALETTE maps a weight scaled to [-1, 1], quantised to 255 steps, to
  // red (positive) through white to blue (negative), as r, g, b triples.
  const PALETTE = (() => {
    const p = new Uint8ClampedArray(3 * 256);
    for (let i = 0; i < 256; i++) {
      const t = (i - 127.5) / 127.5;
      const c = t >= 0 ? [255 - 78 * t, 255 - 231 * t, 255 - 212 * t] : [255 + 222 * t, 255 + 153 * t, 255 + 83 * t];
      p.set(c.map(Math.round), 3 * i);
    }
    return p;
  })();

  // paint writes weight v/m's colour at byte offset o of an RGBA buffer.
  function paint(px, o, v, m) {
    const i = 3 * Math.max(0, Math.min(255, Math.round(127.5 + 127.5 * v / m)));
    px[o] = PALETTE[i]; px[o + 1] = PALETTE[i + 1]; px[o + 2] = PALETTE[i + 2]; px[o + 3] = 255;
  }

  // imageOf draws values (rows = h·w positions) into an ImageData,
  // scaled by their largest magnitude; mask, if given, greys out the
  // positions it leaves false.
  function imageOf(vals, h, w, mask) {
    let m = 1e-12;
    for (let i = 0; i < vals.length; i++) m = Math.max(m, Math.abs(vals[i]));
    const img = new ImageData(w, h);
    const px = img.data;
    px.fill(255);
    for (let i = 0; i < h * w; i++) {
      if (i >= vals.length) { px[4 * i] = px[4 * i + 1] = px[4 * i + 2] = 240; }
      else if (mask && !mask[i]) { px[4 * i] = 236; px[4 * i + 1] = 238; px[4 * i + 2] = 241; }
      else paint(px, 4 * i, vals[i], m);
    }
    return img;
  }

  function scratch(w, h) {
    const c = document.createElement('canvas');
    c.width = w; c.height = h;
    return c;
  }

  // blit draws an ImageData scaled into g at (x, y, s·w, s·h).
  function blit(g, img, x, y, sx, sy) {
    const c = scratch(img.width, img.height);
    c.getContext('2d').putImageData(img, 0, 0);
    g.imageSmoothingEnabled = false;
    g.drawImage(c, x, y, img.width * sx, img.height * sy);
  }

  function markAlpha(g, alpha, w, x, y, sx, sy, r) {
    g.fillStyle = 'rgba(20,20,20,0.85)';
    g.beginPath();
    for (const a of alpha) {
      const cx = x + ((a % w) + 0.5) * sx, cy = y + (Math.floor(a / w) + 0.5) * sy;
      g.moveTo(cx + r, cy);
      g.arc(cx, cy, r, 0, 2 * Math.PI);
    }
    g.fill();
  }

  // unitGeometry lays the first units out in rows of per boxes of
  // bw×bh CSS pixels: each unit's image with a one-weight margin, scaled
  // by sc.
  function unitGeometry(u, width) {
    const n = u.shown;
    const per = Math.max(4, Math.min(16, Math.floor(width / 66)));
    const gw = u.w + 2, gh = u.h + 2;
    const sc = Math.floor(width / per) / Math.max(gw, gh);
    return { n, per, rows: Math.ceil(n / per), gw, gh, sc, bw: gw * sc, bh: gh * sc };
  }

  function alphaOf(u, unit) {
    if (!u.predicted || !u.alpha || !u.alpha.length) return null;
    const j = Math.floor(unit / (u.units / u.columns));
    return u.alpha[j] || null;
  }

  function drawUnits() {
    const c = $('units');
    const u = App.units;
    if (!u) {
      // Keep the grid's height while a new run starts: no layout shift.
      const { g, w, h } = fitCanvas(c, state.running ? Math.max(60, c.clientHeight) : 60);
      g.fillStyle = '#868e96'; g.font = '13px "Liberation Sans", Arial, sans-serif';
      g.textAlign = 'center'; g.textBaseline = 'middle';
      g.fillText(App.runs.main.started ? 'loading unit weights…' : 'press Train to see the units', w / 2, h / 2);
      $('units-note').textContent = 'Each square is one unit\u2019s incoming weights (red positive, blue negative).';
      return;
    }
    const geo = unitGeometry(u, c.clientWidth || 600);
    const { g } = fitCanvas(c, Math.ceil(geo.rows * geo.bh));
    const showAlpha = $('show-alpha').checked;
    // One image holds every unit at k image pixels per weight, α marked
    // by a dark centre pixel: a single putImageData and drawImage, so the
    // frame stays short.
    const { gw, gh, sc } = geo;
    const k = sc >= 1.5 ? 3 : 1;
    const W = geo.per * gw * k;
    const grid = new ImageData(W, geo.rows * gh * k);
    const px = grid.data;
    px.fill(255);
    for (let i = 0; i < geo.n; i++) {
      const vals = u.weights.subarray(i * u.rows, (i + 1) * u.rows);
      let m = 1e-12;
      for (let q = 0; q < vals.length; q++) m = Math.max(m, Math.abs(vals[q]));
      const x0 = ((i % geo.per) * gw + 1) * k, y0 = (Math.floor(i / geo.per) * gh + 1) * k;
      for (let q = 0; q < u.h * u.w; q++) {
        const bx = x0 + (q % u.w) * k, by = y0 + Math.floor(q / u.w) * k;
        for (let dy = 0; dy < k; dy++) {
          for (let dx = 0; dx < k; dx++) {
            const o = 4 * ((by + dy) * W + bx + dx);
            if (q < vals.length) paint(px, o, vals[q], m);
            else { px[o] = px[o + 1] = px[o + 2] = 240; }
          }
        }
      }
      const a = alphaOf(u, i);
      if (showAlpha && a && k === 3) {
        for (const q of a) {
          const o = 4 * ((y0 + Math.floor(q / u.w) * k + 1) * W + x0 + (q % u.w) * k + 1);
          px[o] = px[o + 1] = px[o + 2] = 25;
        }
      }
    }
    blit(g, grid, 0, 0, sc / k, sc / k);
    if (App.detail && App.detail.layer === u.layer && App.detail.unit < geo.n) {
      const i = App.detail.unit;
      const x = ((i % geo.per) * gw + 1) * sc, y = (Math.floor(i / geo.per) * gh + 1) * sc;
      g.strokeStyle = '#1d2330'; g.lineWidth = 2;
      g.strokeRect(x - 1.5, y - 1.5, u.w * sc + 3, u.h * sc + 3);
    }
    $('units-note').textContent = u.predicted
      ? `First ${u.shown} of ${u.units} units. Dots mark α, the positions whose weights are learned; every other pixel is predicted by U. Click a unit.`
      : `First ${u.shown} of ${u.units} units of a dense layer: every weight is learned. Click a unit.`;
  }

  function onUnitsClick(ev) {
    const u = App.units;
    if (!u) return;
    const c = $('units');
    const r = c.getBoundingClientRect();
    const geo = unitGeometry(u, c.clientWidth);
    const col = Math.floor((ev.clientX - r.left) / geo.bw), row = Math.floor((ev.clientY - r.top) / geo.bh);
    const i = row * geo.per + col;
    if (col < 0 || col >= geo.per || i < 0 || i >= geo.n) return;
    send('main', { type: 'unit', layer: u.layer, unit: i });
  }

  function labelled(title, canvas) {
    const d = document.createElement('div');
    const h = document.createElement('h3');
    h.textContent = title;
    d.append(h, canvas);
    return d;
  }

  function drawDetail() {
    const box = $('detail');
    const d = App.detail;
    box.innerHTML = '';
    if (!d) {
      box.innerHTML = '<p class="caption">Click a unit to see its learned weights, its dictionary atoms and the filter they predict.</p>';
      return;
    }
    const p = document.createElement('p');
    p.className = 'caption';
    const scale = Math.max(1, Math.floor(150 / Math.max(d.w, d.h)));
    const big = (img, alpha) => {
      const c = scratch(d.w * scale, d.h * scale);
      const g = c.getContext('2d');
      blit(g, img, 0, 0, scale, scale);
      if (alpha && scale >= 3) markAlpha(g, alpha, d.w, 0, 0, scale, scale, Math.min(2, scale / 3));
      return c;
    };
    const hasAlpha = d.alpha && d.alpha.length > 0;
    if (d.kind === 'dense') {
      p.textContent = `Unit ${d.unit + 1} of layer ${d.layer + 1}: a dense layer, all ${fmtInt(d.rows)} weights learned.`;
      box.append(p, labelled('incoming weights W', big(imageOf(d.weights, d.h, d.w))));
      return;
    }
    p.textContent = `Unit ${d.unit + 1} of layer ${d.layer + 1}, column ${d.column + 1}: ${DICT_NAMES[d.kind] || d.kind} dictionary, ` +
      `${fmtInt(d.nAlpha)} of ${fmtInt(d.rows)} weights learned (${+(100 * d.nAlpha / d.rows).toFixed(1)}%).`;
    const pair = document.createElement('div');
    pair.className = 'pair';
    if (hasAlpha) {
      const mask = new Uint8Array(d.rows);
      for (const a of d.alpha) mask[a] = 1;
      pair.append(labelled('learned: W at α', big(imageOf(d.weights, d.h, d.w, mask))));
    }
    pair.append(labelled('predicted: W = U·W_α', big(imageOf(d.weights, d.h, d.w), hasAlpha ? d.alpha : null)));
    box.append(p, pair);
    if (d.nAtoms > 0) {
      const per = 6, s = Math.max(1, Math.floor(52 / Math.max(d.w, d.h)));
      const cw = d.w * s + 4, ch = d.h * s + 4;
      const c = scratch(per * cw, Math.ceil(d.nAtoms / per) * ch);
      c.className = 'atoms';
      const g = c.getContext('2d');
      for (let a = 0; a < d.nAtoms; a++) {
        const x = (a % per) * cw + 2, y = Math.floor(a / per) * ch + 2;
        blit(g, imageOf(d.atoms.subarray(a * d.rows, (a + 1) * d.rows), d.h, d.w), x, y, s, s);
        g.strokeStyle = '#ced4da'; g.lineWidth = 1;
        g.strokeRect(x - 0.5, y - 0.5, d.w * s + 1, d.h * s + 1);
        if (hasAlpha && a < d.alpha.length && s >= 2) markAlpha(g, [d.alpha[a]], d.w, x, y, s, s, Math.min(2, s / 2));
      }
      box.append(labelled(`dictionary atoms: first ${d.nAtoms} of ${d.nAlpha} columns of U`, c));
    }
    later('units');
  }

  // ---- confusion matrix ----

  function drawConfusion() {
    const c = $('confusion');
    const conf = App.runs.main.confusion;
    const size = Math.min(c.clientWidth || 300, 420);
    const { g } = fitCanvas(c, size);
    const L = 30, T = 30, cell = (size - L - 6) / 10;
    g.font = '12px "Liberation Sans", Arial, sans-serif';
    g.fillStyle = '#1d2330';
    g.textAlign = 'center'; g.textBaseline = 'middle';
    g.fillText('predicted digit', L + 5 * cell, 9);
    for (let i = 0; i < 10; i++) {
      g.fillText(String(i), L + (i + 0.5) * cell, 22);
      g.fillText(String(i), L - 9, T + (i + 0.5) * cell);
    }
    g.save(); g.translate(7, T + 5 * cell); g.rotate(-Math.PI / 2); g.fillText('true digit', 0, 0); g.restore();
    if (!conf) {
      g.strokeStyle = '#dde1e8';
      g.strokeRect(L, T, 10 * cell, 10 * cell);
      g.fillStyle = '#868e96';
      g.fillText('after the first evaluation', L + 5 * cell, T + 5 * cell);
      $('confusion-note').textContent = 'Rows: true digit. Columns: predicted.';
      return;
    }
    let wrong = 0;
    for (let t = 0; t < 10; t++) {
      let row = 0;
      for (let p = 0; p < 10; p++) row += conf[t * 10 + p];
      for (let p = 0; p < 10; p++) {
        const n = conf[t * 10 + p];
        if (t !== p) wrong += n;
        const f = row ? n / row : 0;
        const v = t === p ? Math.sqrt(f) : Math.min(1, Math.sqrt(f) * 3);
        const col = t === p ? [255 - 200 * v, 255 - 120 * v, 255 - 170 * v] : [255 - 38 * v, 255 - 183 * v, 255 - 240 * v];
        g.fillStyle = `rgb(${col.map(Math.round).join(',')})`;
        g.fillRect(L + p * cell, T + t * cell, cell - 1, cell - 1);
        if (cell >= 22 && n > 0) {
          g.fillStyle = v > 0.6 ? '#fff' : '#1d2330';
          g.font = (n >= 1000 ? 10 : 11) + 'px "Liberation Sans", Arial, sans-serif';
          g.fillText(String(n), L + (p + 0.5) * cell, T + (t + 0.5) * cell);
        }
      }
    }
    $('confusion-note').textContent = `Rows: true digit, columns: predicted. ${fmtInt(wrong)} of 10,000 test digits wrong, after ${fmtInt(App.runs.main.confusionAt)} training examples.`;
  }

  // ---- drawing pad ----

  function setupPad() {
    const c = $('pad');
    const g = c.getContext('2d');
    const clear = () => { g.fillStyle = '#fff'; g.fillRect(0, 0, c.width, c.height); };
    clear();
    let last = null;
    const pos = (e) => {
      const r = c.getBoundingClientRect();
      return [(e.clientX - r.left) * c.width / r.width, (e.clientY - r.top) * c.height / r.height];
    };
    c.addEventListener('pointerdown', guard((e) => { c.setPointerCapture(e.pointerId); last = pos(e); stroke(last, last); }));
    c.addEventListener('pointermove', guard((e) => { if (!last) return; const p = pos(e); stroke(last, p); last = p; }));
    const up = guard(() => { if (last) { last = null; predict(); } });
    c.addEventListener('pointerup', up);
    c.addEventListener('pointercancel', up);
    function stroke(a, b) {
      g.strokeStyle = '#000'; g.lineWidth = 17; g.lineCap = 'round'; g.lineJoin = 'round';
      g.beginPath(); g.moveTo(a[0], a[1]); g.lineTo(b[0], b[1]); g.stroke();
      App.padDirty = true;
      if (performance.now() - App.lastPredict > 150) predict();
    }
    $('clear').addEventListener('click', guard(() => {
      clear(); App.padDirty = false; App.prediction = null; state.prediction = null; drawPrediction();
    }));
    App.padStroke = stroke;
  }

  function predict() {
    App.lastPredict = performance.now();
    if (!App.padDirty) return;
    if (!App.runs.main.started) { drawPrediction('Train a model first: the prediction appears here.'); return; }
    const c = $('pad');
    const img = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    const pix = new Float32Array(c.width * c.height);
    for (let i = 0; i < pix.length; i++) pix[i] = 1 - img[4 * i] / 255;
    send('main', { type: 'predict', pixels: pix, w: c.width, h: c.height });
  }

  function drawPrediction(note) {
    const box = $('probs');
    const r = App.prediction;
    const pv = $('preview').getContext('2d');
    pv.fillStyle = '#000'; pv.fillRect(0, 0, 28, 28);
    if (!r || r.empty) {
      box.innerHTML = `<span></span><span class="caption">${note || 'Draw a digit in the box; the current model\u2019s class probabilities appear here.'}</span><span></span>`;
      return;
    }
    const img = new ImageData(28, 28);
    for (let i = 0; i < 784; i++) { const v = Math.round(255 * r.image[i]); img.data.set([v, v, v, 255], 4 * i); }
    pv.putImageData(img, 0, 0);
    let best = 0;
    for (let k = 1; k < 10; k++) if (r.probs[k] > r.probs[best]) best = k;
    state.prediction = { digit: best, probs: Array.from(r.probs) };
    box.innerHTML = '';
    for (let k = 0; k < 10; k++) {
      const cls = k === best ? 'top' : '';
      const pct = (100 * r.probs[k]);
      box.insertAdjacentHTML('beforeend', `<span class="${cls}">${k}</span><span class="bar"><i style="width:${pct.toFixed(1)}%"></i></span><span class="v ${cls}">${pct.toFixed(1)}%</span>`);
    }
  }

  // ---- frame loop ----

  // later asks the next frame to redraw the named views: handlers of
  // worker messages only mark, so that a frame lays the page out once.
  function later(...views) {
    for (const v of views) App.pending.add(v);
  }

  const VIEWS = { units: () => drawUnits(), detail: () => drawDetail(), confusion: () => drawConfusion() };

  function frame() {
    try {
      for (const v of App.pending) VIEWS[v]();
      App.pending.clear();
      if (App.dirty) {
        App.dirty = false;
        drawCharts();
        renderStats();
      }
    } catch (err) {
      showMessage('Drawing failed: ' + (err && err.message ? err.message : err));
    }
    requestAnimationFrame(frame);
  }

  function init() {
    buildFields();
    applyHash();
    window.addEventListener('hashchange', guard(() => { clearMessage(); applyHash(); }));
    $('train').addEventListener('click', guard(train));
    $('pause').addEventListener('click', guard(pause));
    $('reset').addEventListener('click', guard(reset));
    $('units').addEventListener('click', guard(onUnitsClick));
    $('units-layer').addEventListener('change', guard(() => {
      App.unitsLayer = Number($('units-layer').value);
      App.units = null; App.detail = null;
      drawUnits(); drawDetail();
      send('main', { type: 'units', layer: App.unitsLayer, max: 64 });
    }));
    $('show-alpha').addEventListener('change', guard(() => { drawUnits(); }));
    window.addEventListener('resize', guard(() => { App.dirty = true; later('units', 'confusion'); }));
    if (window.IntersectionObserver) {
      new IntersectionObserver(guard((entries) => {
        App.unitsVisible = entries[entries.length - 1].isIntersecting;
        if (App.unitsVisible && App.unitsStale) { App.unitsStale = false; later('units'); }
      })).observe($('units'));
    }
    setupPad();
    drawPrediction();
    drawConfusion();
    drawUnits();
    renderButtons();
    requestAnimationFrame(frame);
    load().then(guard(() => { if (App.trainRequested && App.module) { App.trainRequested = false; train(); } }));
  }

  window.addEventListener('unhandledrejection', (e) => {
    e.preventDefault();
    showMessage('Something went wrong: ' + (e.reason && e.reason.message ? e.reason.message : e.reason));
  });
  guard(init)();
})();
