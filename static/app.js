// app.js is the page: settings mirrored in the URL hash, control messages
// to the workers, and drawing. It holds no network code; the workers
// (worker.js, running the Go engine) do all the computing: one per
// training run, one that evaluates snapshots of their weights on the test
// set (so that training never stops for it), and an auxiliary one that
// first fetches the engine and the data for all of them, then describes
// the model a form describes and runs the dictionary explorer. This
// thread only draws: no wasm compiling, no copying of the data, each
// view's first drawing in a task of its own, and animation frames only
// when something changed, so that no task holds it long.
'use strict';

(() => {
  // ---- settings: the whole state of the page, mirrored in the URL hash ----

  // MENUS is data/menus.json: every dictionary kind of the engine's table
  // (models.DictKinds) and, per model shape, the kinds each hidden layer
  // accepts. It is written at build time, so a menu offers exactly what
  // the layer accepts.
  let MENUS = null;
  const DENSE_ABOUT = 'an ordinary layer: every weight is learned, nothing predicted';

  function kindOf(name) { return MENUS && MENUS.kinds.find((k) => k.name === name); }
  function kindTitle(name) { const k = kindOf(name); return name === 'dense' ? 'dense (no prediction)' : k ? k.title : name; }
  function shapeOf(p) { return p.model === 'conv' ? 'conv' : 'mlp' + p.depth; }
  function slots(p) { return MENUS ? MENUS.models[shapeOf(p)] || [] : []; }
  function slotChoices(p, i) { const s = slots(p)[i]; return s ? ['dense', ...s.kinds] : ['dense']; }

  // slotDefault is the dictionary a layer starts with for a model.
  function slotDefault(p, i) {
    const want = p.model === 'conv' ? ['se', 'se', 'dense'][i] : ['se', 'emp'][i];
    return slotChoices(p, i).includes(want) ? want : 'dense';
  }

  const MODEL_NAMES = { mlp: 'MLP', conv: 'small convnet' };
  const COMPARE_NAMES = { off: 'off', dense: 'dense net, same shape', small: 'dense net, as many learned weights', both: 'both' };

  // FIELDS lists every setting: its hash key, type, range, default and
  // one line of explanation. Go validates them again (wasm/session.Params);
  // the ranges match. Which fields apply to a running model without a
  // rebuild is Go's to say (session.LiveFields, in data/menus.json; see
  // isLive). Fields of panel 'x' belong to the dictionary explorer.
  const FIELDS = [
    { key: 'model', label: 'model', type: 'choice', choices: ['mlp', 'conv'], names: MODEL_NAMES, def: 'mlp',
      hint: 'MLP: 784 pixels → hidden units → 10 digits. Small convnet: two 5×5 conv layers, a dense layer, 10 digits.' },
    { key: 'depth', label: 'hidden layers', type: 'choice', choices: ['1', '2'], def: '1', when: (p) => p.model === 'mlp',
      hint: 'How many hidden dense layers the MLP has.' },
    { key: 'hidden', label: 'hidden width', type: 'int', min: 1, max: 1024, def: 512,
      hint: 'Units per hidden dense layer; each has one incoming weight per input.' },
    { key: 'd1', label: 'layer 1 dictionary', type: 'dict', slot: 0, def: 'se' },
    { key: 'd2', label: 'layer 2 dictionary', type: 'dict', slot: 1, def: 'emp', when: (p) => slots(p).length > 1 },
    { key: 'd3', label: 'layer 3 dictionary', type: 'dict', slot: 2, def: 'dense', when: (p) => slots(p).length > 2 },
    { key: 'frac', label: 'fraction learned', type: 'range', min: 0.005, max: 1, step: 0.005, def: 0.195, when: anyPredicted,
      hint: 'n_α/n_v: the share of each unit\u2019s weights that is learned; U predicts the rest.' },
    { key: 'cols', label: 'columns J', type: 'int', min: 1, max: 64, def: 1, when: anyPredicted,
      hint: 'J: the units are split into J groups, each with its own α and U, so more positions are covered.' },
    { key: 'ell', label: 'SE length ℓ (px)', type: 'float', min: 0.1, max: 50, def: 2, when: (p) => usesKind(p, 'se'),
      hint: 'How far, in pixels, one learned weight spreads to its neighbours.' },
    { key: 'ridge', label: 'SE ridge λ', type: 'float', min: 0, max: 100, def: 0.1, when: (p) => usesKind(p, 'se'),
      hint: 'λ: 0 makes U reproduce the learned weights exactly at α; larger is smoother.' },
    { key: 'opt', label: 'optimizer', type: 'choice', choices: ['adam', 'sgd'], names: { adam: 'Adam', sgd: 'SGD, momentum 0.9' }, def: 'adam',
      hint: 'How the learned weights are updated from their gradients. Applies while training, keeping the weights; the optimizer\u2019s state (SGD\u2019s velocity, Adam\u2019s moments) starts again from zero.' },
    { key: 'lr', label: 'learning rate', type: 'float', min: 1e-6, max: 10, def: 0.003,
      hint: 'Step size; applies at once while training. Too large and training diverges.' },
    { key: 'batch', label: 'batch size', type: 'int', min: 1, max: 1000, def: 64,
      hint: 'Training examples per update. Applies while training, from the first step where this epoch\u2019s examples so far fill whole batches of the new size, so none is skipped or seen twice.' },
    { key: 'workers', label: 'training workers', type: 'choice', choices: ['auto', '1', '2', '3', '4'], names: { auto: 'auto (one per core, one left for the page)' }, def: 'auto',
      hint: 'Data-parallel: each worker computes the gradient of a share of every minibatch, and they exchange the learned parameters\u2019 gradients each step (U is rebuilt in each worker, never sent). The same seed and number of workers give the same run.' },
    { key: 'seed', label: 'seed', type: 'int', min: 0, max: 2147483647, def: 1,
      hint: 'Fixes α, the initial weights and the order of examples.' },
    { key: 'compare', label: 'compare with', type: 'choice', choices: ['off', 'dense', 'small', 'both'], names: COMPARE_NAMES, def: 'off',
      hint: 'Train beside it the dense net of the same shape, and/or a dense net down-sized to as many learned weights; every run gets the same share of the CPU.' },
    // The explorer's settings.
    { key: 'xk', panel: 'x', label: 'kernel', type: 'choice', choices: ['se', 'emp'], names: { se: 'SE (distance)', emp: 'Emp (covariance of digits)' }, def: 'se',
      hint: 'SE: nearby pixels are alike. Emp: pixels that vary together over the training digits are alike.' },
    { key: 'xl', panel: 'x', label: 'length ℓ (px)', type: 'range', min: 0.3, max: 20, step: 0.1, def: 2, when: (p) => p.xk === 'se',
      hint: 'SE only: how far one learned weight spreads.' },
    { key: 'xr', panel: 'x', label: 'ridge λ', type: 'float', min: 0, max: 100, def: 0.1,
      hint: 'λ of kernel ridge regression: 0 interpolates α exactly.' },
    { key: 'xf', panel: 'x', label: 'fraction learned', type: 'range', min: 0.01, max: 1, step: 0.01, def: 0.2,
      hint: 'The share of the 784 positions in α.' },
    { key: 'xs', panel: 'x', label: 'filter', type: 'int', min: 1, max: 6, def: 1,
      hint: 'Which of six filters of a trained dense net to predict.' },
    { key: 'xp', panel: 'x', label: 'pixel', type: 'int', min: 0, max: 783, def: 406, hidden: true },
    // The units panel's "pause on a clicked unit": live, no rebuild.
    { key: 'unitpause', type: 'bool', def: false, hidden: true },
    // A shared run's result, shown to whoever opens the link.
    { key: 'res', type: 'text', def: '', hidden: true },
  ];
  const FIELD = new Map(FIELDS.map((f) => [f.key, f]));

  function defaults() {
    return Object.fromEntries(FIELDS.map((f) => [f.key, f.def]));
  }

  function dictKeys(p) { return ['d1', 'd2', 'd3'].slice(0, slots(p).length); }
  function anyPredicted(p) { return dictKeys(p).some((k) => p[k] !== 'dense'); }
  function usesKind(p, kind) { return dictKeys(p).some((k) => p[k] === kind); }

  // parseValue checks one value against its field.
  function parseValue(f, s) {
    switch (f.type) {
      case 'choice':
        if (f.key === 'compare' && (s === '1' || s === 'true')) return { value: 'dense' };
        if (f.key === 'compare' && (s === '0' || s === 'false')) return { value: 'off' };
        return f.choices.includes(s) ? { value: s } : { error: 'not one of ' + f.choices.join(', ') };
      case 'dict':
        return s === 'dense' || kindOf(s) ? { value: s } : { error: 'not a dictionary (dense or ' + (MENUS ? MENUS.kinds.map((k) => k.name).join(', ') : '…') + ')' };
      case 'bool':
        if (s === '1' || s === 'true') return { value: true };
        if (s === '0' || s === 'false') return { value: false };
        return { error: 'not 0 or 1' };
      case 'text':
        return /^[\w .,%@:()+\-–/]{0,120}$/u.test(s) ? { value: s } : { error: 'not plain text' };
      default: {
        const t = String(s).trim();
        const v = Number(t);
        if (t === '' || !Number.isFinite(v)) return { error: 'not a number' };
        if ((f.type === 'int') && !Number.isInteger(v)) return { error: 'not a whole number' };
        if (v < f.min || v > f.max) return { error: `out of range (${f.min} to ${f.max})` };
        return { value: v };
      }
    }
  }

  // fitDicts makes every layer's dictionary one its layer accepts, and
  // returns what it changed, in words.
  function fitDicts(p) {
    const changes = [];
    dictKeys(p).forEach((k, i) => {
      if (!slotChoices(p, i).includes(p[k])) {
        const s = slots(p)[i];
        const was = p[k];
        p[k] = slotDefault(p, i);
        changes.push(`${k}=${was} is not available in layer ${i + 1} of the ${MODEL_NAMES[p.model]} (a ${s.type} layer${s.type === 'dense' && s.grid[0] * s.grid[1] === 1 ? ' with a flat input' : ''}), so ${k}=${p[k]}`);
      }
    });
    return changes;
  }

  // parseHash returns the settings a hash describes and the problems met;
  // a bad entry keeps its default.
  function parseHash(hash) {
    const p = defaults();
    const problems = [];
    const s = hash.replace(/^#/, '');
    const dictsSet = new Set();
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
      const f = FIELD.get(k);
      if (!f) { problems.push(`unknown setting “${k.slice(0, 40)}”`); continue; }
      const r = parseValue(f, v);
      if (r.error) { problems.push(`${k}=${v.slice(0, 40)} is ${r.error}, so ${k}=${formatValue(f, f.def)}`); continue; }
      p[k] = r.value;
      if (f.type === 'dict') dictsSet.add(k);
    }
    // Layers the link leaves out take their model's defaults.
    dictKeys(p).forEach((k, i) => { if (!dictsSet.has(k)) p[k] = slotDefault(p, i); });
    problems.push(...fitDicts(p));
    return { p, problems };
  }

  function formatValue(f, v) {
    if (f.type === 'bool') return v ? '1' : '0';
    return String(v);
  }

  function hashOf(p) {
    return '#' + FIELDS.filter((f) => f.type !== 'text' || p[f.key])
      .map((f) => f.key + '=' + encodeURIComponent(formatValue(f, p[f.key]))).join('&');
  }

  // GO_NAMES maps the keys of the fields that the Go side reads under
  // another name.
  const GO_NAMES = { opt: 'optim' };

  // isLive reports whether a field applies to a running model without a
  // rebuild (session.LiveFields; none without the menus).
  function isLive(f) { return !!(MENUS && MENUS.live && MENUS.live.includes(GO_NAMES[f.key] || f.key)); }

  // goParams is what the worker's Go side reads (session.Params).
  function goParams(p) {
    return {
      model: p.model, hidden: p.hidden, depth: Number(p.depth), dicts: dictKeys(p).map((k) => p[k]), fraction: p.frac,
      columns: p.cols, length: p.ell, ridge: p.ridge, optim: p.opt, lr: p.lr, batch: p.batch, seed: p.seed,
    };
  }

  // ---- state: everything the page holds, in one object ----

  const RUNS = ['main', 'dense', 'small'];
  const RUN_NAMES = { main: 'this model', dense: 'dense, same shape', small: 'dense, as many learned weights' };

  const App = {
    params: defaults(),
    module: null,       // the compiled wasm module, shared by the workers
    data: null,         // the four data files as Blobs
    filters: null,      // data/filters.json, as text
    loadFailed: false,
    workers: {},        // name ('main', 'dense', 'small', 'eval', 'aux') → {worker, ready, pending}
    evalq: { busy: null, waiting: {} }, // the evaluation worker's request in flight, and the newest snapshot waiting per run
    runSeq: 0,          // the last run id handed out
    runs: {},
    trainRequested: false,
    paused: false,
    table: null,
    built: null,        // the settings (hash) of the current run's model
    unitsLayer: -1,
    units: null,
    unitFocus: 0,
    detail: null,
    detailAt: 0,
    cell: null,
    prediction: null,
    padDirty: false,
    unitsVisible: true,
    unitsStale: false,
    pending: new Set(),
    lastPredict: 0,
    dirty: true,        // the charts and figures wait for the next frame (redraw)
    frameWanted: false, // an animation frame is requested (wantFrame)
    message: '',
    described: null,    // {hash, table} or {hash, error}: the model the form describes
    describeSeq: 0,
    xaxis: 'time',
  };
  newRuns();

  const state = {
    running: false, examplesSeen: 0, testAccuracy: null, evaluatedAt: null, error: null, fieldError: null,
    seconds: 0, evaluatedSeconds: null, examplesPerS: 0, msPerStep: 0, ready: false, status: 'loading',
    diverged: false, dense: null, small: null, prediction: null, runId: 0, queued: false, backwards: false,
    fractionLearned: null, buildError: null,
  };
  window.trainingState = state;

  function newRun(id) {
    return { id, started: false, train: [], test: [], last: null, confusion: null, confusionAt: 0, speed: [] };
  }

  // newRuns hands out a new run id: every message of an older run is
  // dropped from now on.
  function newRuns() {
    const id = ++App.runSeq;
    App.runs = Object.fromEntries(RUNS.map((n) => [n, newRun(id)]));
    return id;
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
    for (const f of FIELDS) {
      if (f.hidden) continue;
      const box = f.panel === 'x' ? $('xfields') : $('fields');
      const row = document.createElement('div');
      row.className = 'field';
      row.id = 'field-' + f.key;
      const label = document.createElement('label');
      label.htmlFor = 'in-' + f.key;
      label.textContent = f.label;
      row.appendChild(label);
      let input;
      if (f.type === 'choice' || f.type === 'dict') {
        input = document.createElement('select');
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
        out.htmlFor = 'in-' + f.key;
        wrap.append(input, out);
        row.appendChild(wrap);
      } else {
        // A text box, not type=number: what the reader typed stays
        // readable, so a message can quote it.
        input = document.createElement('input');
        input.type = 'text';
        input.inputMode = f.type === 'int' ? 'numeric' : 'decimal';
        input.spellcheck = false;
        row.appendChild(input);
      }
      input.id = 'in-' + f.key;
      const hint = document.createElement('small');
      hint.className = 'hint';
      hint.id = 'hint-' + f.key;
      hint.textContent = f.hint || '';
      const err = document.createElement('small');
      err.className = 'ferr';
      err.id = 'err-' + f.key;
      err.hidden = true;
      row.append(hint, err);
      input.setAttribute('aria-describedby', hint.id + ' ' + err.id);
      input.addEventListener(f.type === 'range' ? 'input' : 'change', guard(() => onField(f, input)));
      box.appendChild(row);
    }
  }

  function clearFieldErrors() {
    for (const f of FIELDS) {
      const e = $('err-' + f.key);
      if (e && !e.hidden) { e.hidden = true; e.textContent = ''; $('in-' + f.key).removeAttribute('aria-invalid'); }
    }
    state.fieldError = null;
  }

  function onField(f, input) {
    let v;
    if (f.type === 'bool') v = input.checked;
    else if (f.type === 'choice' || f.type === 'dict') v = input.value;
    else {
      const r = parseValue(f, input.value);
      if (r.error) {
        clearFieldErrors();
        const typed = input.value.trim() === '' ? 'an empty box' : `“${input.value.slice(0, 30)}”`;
        const text = `${f.label}: ${typed} is ${r.error}; keeping ${formatValue(f, App.params[f.key])}.`;
        const e = $('err-' + f.key);
        e.textContent = text; e.hidden = false;
        input.setAttribute('aria-invalid', 'true');
        state.fieldError = text;
        input.value = formatValue(f, App.params[f.key]);
        return;
      }
      v = r.value;
    }
    clearFieldErrors();
    const p = App.params;
    p[f.key] = v;
    $('note').textContent = '';
    if (f.key === 'model' || f.key === 'depth') {
      // A new model shape: each layer keeps its dictionary if it
      // accepts it, else takes the shape's default.
      const changes = fitDicts(p);
      if (changes.length) $('note').textContent = 'Changed to fit the new model: ' + changes.join('; ') + '.';
    }
    if (p.res) p.res = '';
    history.replaceState(null, '', hashOf(p));
    renderFields();
    if (f.panel === 'x') { explore(); return; }
    if (isLive(f) && (state.running || App.paused)) {
      // Every run takes the live settings on its own model (a
      // comparison's differs); data-parallel workers take them at the
      // same step (worker.js).
      const g = goParams(p);
      for (const n of App.active || []) {
        const rp = App.runs[n].params;
        if (rp) send(n, { type: 'live', params: Object.assign({}, rp, Object.fromEntries(MENUS.live.map((k) => [k, g[k]]))) });
      }
      const more = f.key === 'opt' ? ' (its state starts again from zero)' : f.key === 'batch' ? ' (from the next whole batch of this epoch)' : '';
      const label = f.label[0].toUpperCase() + f.label.slice(1);
      $('note').textContent = `${label} set to ${f.names ? f.names[v] || v : formatValue(f, v)} for the running model${more}, without a rebuild.`;
    }
    describe();
    renderButtons();
  }

  // renderFields mirrors App.params into the form.
  function renderFields() {
    const p = App.params;
    const conv = p.model === 'conv';
    const labels = conv ? { d1: 'conv 1 dictionary', d2: 'conv 2 dictionary', d3: 'dense dictionary' }
      : { d1: 'layer 1 dictionary', d2: 'layer 2 dictionary', d3: 'layer 3 dictionary' };
    for (const f of FIELDS) {
      if (f.hidden) continue;
      const input = $('in-' + f.key);
      const v = p[f.key];
      if (f.type === 'choice' || f.type === 'dict') {
        const choices = f.type === 'dict' ? slotChoices(p, f.slot) : f.choices;
        const names = f.type === 'dict' ? Object.fromEntries(choices.map((c) => [c, kindTitle(c)])) : f.names || {};
        const want = choices.map((c) => c + '=' + (names[c] || c)).join('|');
        if (input.dataset.opts !== want) {
          input.replaceChildren();
          for (const c of choices) {
            const o = document.createElement('option');
            o.value = c;
            o.textContent = names[c] || c;
            input.appendChild(o);
          }
          input.dataset.opts = want;
        }
        if (f.type === 'dict') {
          const k = kindOf(v);
          $('hint-' + f.key).textContent = v === 'dense' ? DENSE_ABOUT : k ? k.title + ': ' + k.about : '';
        }
      }
      if (f.type === 'bool') input.checked = v;
      else if (document.activeElement !== input || f.type !== 'int' && f.type !== 'float') input.value = String(v);
      if (f.type === 'range') $('out-' + f.key).textContent = Number(v).toFixed(f.step < 0.01 ? 3 : f.step < 0.1 ? 2 : 1);
      const row = $('field-' + f.key);
      const on = !f.when || f.when(p);
      row.classList.toggle('off', !on);
      // A layer the model does not have has no menu at all.
      row.classList.toggle('gone', f.type === 'dict' && f.slot >= slots(p).length);
      input.disabled = !on;
      if (labels[f.key]) row.querySelector('label').textContent = labels[f.key];
    }
    renderFraction();
  }

  // renderFraction shows, beside the slider, the fraction of the weights
  // that the described model really learns.
  function renderFraction() {
    const d = App.described;
    const el = $('hint-frac');
    const note = $('build-note');
    const p = App.params;
    state.fractionLearned = null;
    state.buildError = null;
    note.classList.remove('warn');
    if (!d || d.hash !== buildKey(p)) {
      el.textContent = FIELD.get('frac').hint;
      note.textContent = '';
      return;
    }
    if (d.error) {
      state.buildError = d.error;
      note.textContent = 'This model cannot be built: ' + d.error;
      note.classList.add('warn');
      el.textContent = FIELD.get('frac').hint;
      return;
    }
    const a = d.table.accounting;
    state.fractionLearned = a.fraction_learned;
    note.textContent = `This model trains ${fmtInt(a.total_trainable)} numbers; a dense net of its shape would train ${fmtInt(a.dense_equivalent)}.`;
    if (!anyPredicted(p)) { el.textContent = FIELD.get('frac').hint; return; }
    const learnsU = dictKeys(p).some((k) => { const kd = kindOf(p[k]); return kd && kd.learnsU; });
    el.textContent = `Really learned: ${(a.fraction_learned).toFixed(3)} of the predicted layers\u2019 weights` +
      (learnsU ? ' (LowRank learns U too).' : '.');
  }

  function applyHash() {
    const { p, problems } = parseHash(location.hash);
    App.params = p;
    renderFields();
    $('pause-unit').checked = p.unitpause;
    if (problems.length) {
      showMessage('This link has settings the page cannot use: ' + problems.join('; ') + '. Everything else works as usual.');
      history.replaceState(null, '', hashOf(p));
    }
    if (p.res) $('note').textContent = `The person who shared this link got: ${p.res}. Press Train to try it yourself.`;
    describe();
    explore();
  }

  // buildKey is the part of the settings that fixes the model: all but
  // the live ones.
  function buildKey(p) {
    const g = Object.assign(goParams(p), { workers: workerCount(p) });
    for (const k of (MENUS && MENUS.live) || []) delete g[k];
    return JSON.stringify(g);
  }

  // ---- loading ----

  const DATA_FILES = ['data/train-images.idx.gz', 'data/train-labels.idx.gz', 'data/test-images.idx.gz', 'data/test-labels.idx.gz'];

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

  // fetchAll has the auxiliary worker fetch and compile the engine, and
  // fetch the data files (as Blobs) and the explorer's filters, all off
  // this thread; it resolves to {module, data, filters} as the worker
  // sends them back. The page hands the module and the Blobs to every
  // worker it starts: a WebAssembly.Module crosses postMessage without
  // being compiled again, a Blob as a handle, and each worker reads its
  // own copy of the bytes on its own thread.
  function fetchAll() {
    const h = spawn('aux');
    return new Promise((resolve, reject) => {
      h.fetching = { resolve, reject };
      h.worker.postMessage({ type: 'fetch', engine: engineFile(), data: DATA_FILES, filters: 'data/filters.json' });
    });
  }

  async function loadMenus() {
    try {
      const r = await fetch('data/menus.json');
      if (!r.ok) throw new Error('data/menus.json: HTTP ' + r.status);
      MENUS = await r.json();
    } catch (err) {
      // Without the table, every layer offers dense only.
      MENUS = { kinds: [], models: { mlp1: [{ type: 'dense', grid: [28, 28, 1], kinds: [] }], mlp2: [{ type: 'dense', grid: [28, 28, 1], kinds: [] }, { type: 'dense', grid: [1, 1, 512], kinds: [] }], conv: [] } };
      throw err;
    }
  }

  async function load() {
    setStatus('loading');
    try {
      const { module, data, filters } = await fetchAll();
      App.module = module;
      App.data = data;
      App.filters = filters;
    } catch (err) {
      App.loadFailed = true;
      if (App.trainRequested) {
        // A Train pressed while loading waits no more.
        App.trainRequested = false;
        Object.assign(state, { queued: false, running: false });
        renderButtons();
      }
      setStatus('not loaded');
      showMessage('The page could not load what it needs (' + (err && err.message ? err.message : err) +
        '). Check the connection and reload; the settings above still work and are kept in the link.');
      return;
    }
    worker('main');
    worker('eval');
    worker('aux');
  }

  // worker returns the worker called name, started and sent its init
  // message (the engine module and the data) on the first call.
  function worker(name) {
    const h = spawn(name);
    if (h.inited) return h;
    h.inited = true;
    const init = { type: 'init', module: App.module, data: App.data };
    if (name === 'aux') Object.assign(init, { role: 'aux', digits: 2000, filters: App.filters, data: App.data.slice(0, 2) });
    if (name === 'eval') Object.assign(init, { role: 'eval' });
    h.worker.postMessage(init);
    return h;
  }

  // spawn returns the worker called name, started if it is not yet.
  function spawn(name) {
    if (App.workers[name]) return App.workers[name];
    const h = { name, ready: false, inited: false, fetching: null, pending: [], worker: new Worker('worker.js') };
    h.worker.onmessage = guard((e) => onWorker(h, e.data));
    h.worker.onerror = (e) => {
      e.preventDefault();
      if (h.fetching) { h.fetching.reject(new Error(e.message || 'worker error')); h.fetching = null; return; }
      if (name === 'aux') { App.x.error = 'The explorer stopped: ' + (e.message || 'worker error'); return; }
      if (name.startsWith('dp')) { showMessage(`Training worker ${name.slice(2)} stopped (${e.message || 'worker error'}). Press Reset, then Train.`); stopped(App.workers.main); return; }
      if (name === 'fig4') { fig4Stopped('The Figure 4 runs stopped: ' + (e.message || 'worker error') + '.'); return; }
      if (name === 'eval') { showMessage('The test evaluation stopped (' + (e.message || 'worker error') + '); training goes on. Reload the page to get it back.'); return; }
      showMessage(`The ${RUN_NAMES[name] || name} training engine stopped (${e.message || 'worker error'}). Press Reset, then Train.`);
      stopped(h);
    };
    App.workers[name] = h;
    return h;
  }

  // send posts a message to a worker (transferring the buffers in
  // transfer), queued until it is ready.
  function send(name, msg, transfer) {
    const h = App.workers[name];
    if (!h) return;
    if (!h.ready) {
      if (msg.type === 'start') h.pending = h.pending.filter(([m]) => m.type !== 'start');
      if (['start', 'live', 'describe', 'explore', 'evalModel', 'evaluate', 'fig4'].includes(msg.type)) h.pending.push([msg, transfer]);
      return;
    }
    h.worker.postMessage(msg, transfer || []);
  }

  function stopped(h, status) {
    App.runs[h.name].started = false;
    if (h.name === 'main') {
      state.running = false;
      App.paused = false;
      for (const n of RUNS.slice(1)) send(n, { type: 'stop', runId: App.runs.main.id });
      for (let k = 1; k < 4; k++) send(dpName(k), { type: 'stop', runId: App.runs.main.id });
      App.dp = null;
      renderButtons();
      setStatus(status || 'stopped');
    }
  }

  // ---- worker messages ----

  function onWorker(h, m) {
    if (m.type === 'fetched') {
      const f = h.fetching;
      h.fetching = null;
      if (f) { if (m.error) f.reject(new Error(m.error)); else f.resolve(m); }
      return;
    }
    if (h.name === 'aux') { onAux(h, m); return; }
    if (h.name === 'eval') { onEval(h, m); return; }
    if (h.name === 'fig4') { onFig4(h, m); return; }
    if (h.name.startsWith('dp')) { onDPWorker(h, m); return; }
    const run = App.runs[h.name];
    // A message of an older run (sent before a Reset or Restart reached
    // the worker) must not touch the new run's views.
    if (m.type !== 'ready' && m.runId !== run.id) return;
    switch (m.type) {
      case 'ready':
        h.ready = true;
        if (h.name === 'main') {
          state.ready = true;
          setStatus(state.running ? 'building' : 'ready');
        }
        for (const [msg, tr] of h.pending) h.worker.postMessage(msg, tr || []);
        h.pending = [];
        break;
      case 'started':
        run.started = true;
        if (h.name === 'main') {
          App.table = m.table;
          renderTable();
          renderLayerChoice();
          setStatus('training');
          renderButtons();
        }
        break;
      case 'update':
        onUpdate(h.name, run, m.update);
        break;
      case 'live':
        run.live = m.live;
        if (h.name === 'main') { state.live = m.live; renderStats(); }
        break;
      case 'dpPaused':
        checkWorkers(m.steps);
        break;
      case 'weightsSum':
        onWeightsSum(0, m);
        break;
      case 'evalModel':
        send('eval', { type: 'evalModel', run: h.name, runId: run.id, params: m.params, sums: m.sums });
        break;
      case 'snapshot':
        queueEval(h.name, run.id, m.snapshot, m.final);
        break;
      case 'model':
        onModel(m);
        break;
      case 'diverged':
        onDiverged(h, m.update);
        break;
      case 'units':
        if (h.name === 'main' && m.units.layer === App.unitsLayer) {
          App.units = m.units;
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
        showMessage(h.name === 'main' ? m.message : `${RUN_NAMES[h.name]} (comparison): ${m.message}`);
        if (m.stop) stopped(h, 'stopped: error');
        break;
    }
  }

  function onUpdate(name, run, u) {
    run.last = u;
    run.live = u.live;
    const prev = run.train[run.train.length - 1];
    // A curve only moves forward in time: a point before the last one
    // would be a message of another run (see runId).
    if (prev && u.seconds < prev.s) state.backwards = true;
    if (u.steps > 0) run.train.push({ s: u.seconds, e: u.examples, loss: u.trainLoss, acc: u.trainAccuracy });
    if (run.train.length > 1600) run.train = run.train.filter((_, i) => i % 2 === 0);
    if (u.examplesPerS > 0) {
      run.speed.push([u.examplesPerS, u.msPerStep]);
      if (run.speed.length > 20) run.speed.shift();
    }
    const [eps, ms] = meanSpeed(run);
    if (name === 'main') {
      if (u.dp) onDPReport(u.dp);
      state.live = u.live;
      state.examplesSeen = u.examples;
      state.seconds = u.seconds;
      state.examplesPerS = eps;
      state.msPerStep = ms;
      // The open unit keeps up with training, once every two seconds.
      if (App.detail && performance.now() - App.detailAt > 2000) {
        App.detailAt = performance.now();
        send('main', { type: 'unit', layer: App.detail.layer, unit: App.detail.unit });
      }
    } else {
      const last = run.test[run.test.length - 1];
      state[name] = {
        examplesSeen: u.examples, seconds: u.seconds, examplesPerS: eps, live: u.live,
        testAccuracy: last ? last.acc : null, evaluatedAt: last ? last.e : null,
      };
    }
    redraw();
  }

  // ---- data-parallel training ----

  // workerCount is the number of training workers the settings ask for:
  // auto is one per core, one core left for the page.
  function workerCount(p) {
    const n = p.workers === 'auto' ? (navigator.hardwareConcurrency || 2) - 1 : Number(p.workers);
    return Math.max(1, Math.min(4, n));
  }

  function dpName(k) { return k ? 'dp' + k : 'main'; }

  // dpChannels connects every pair of the n workers with a
  // MessageChannel: ports[k] maps each other worker's index to worker k's
  // end. The shards go from worker to worker, not through this thread.
  function dpChannels(n) {
    const ports = Array.from({ length: n }, () => ({}));
    for (let i = 0; i < n; i++) {
      for (let j = i + 1; j < n; j++) {
        const c = new MessageChannel();
        ports[i][j] = c.port1;
        ports[j][i] = c.port2;
      }
    }
    return ports;
  }

  function onDPWorker(h, m) {
    const k = Number(h.name.slice(2));
    if (m.type === 'ready') {
      h.ready = true;
      for (const [msg, tr] of h.pending) h.worker.postMessage(msg, tr || []);
      h.pending = [];
      return;
    }
    if (!App.dp || m.runId !== App.dp.runId) return;
    if (m.type === 'weightsSum') onWeightsSum(k, m);
    if (m.type === 'error') {
      showMessage(`Training worker ${k}: ${m.message}`);
      if (m.stop) stopped(App.workers.main, 'stopped: error');
    }
  }

  // checkWorkers asks every data-parallel worker for the checksum of its
  // weights once it has taken steps steps (worker 0's last before a
  // pause: no worker can go past it).
  function checkWorkers(steps) {
    const d = App.dp;
    if (!d) return;
    d.sums = new Array(d.n).fill(null);
    for (let k = 0; k < d.n; k++) send(dpName(k), { type: 'weightsSum', steps });
  }

  function onWeightsSum(k, m) {
    const d = App.dp;
    if (!d || !d.sums || m.runId !== d.runId) return;
    d.sums[k] = { sum: m.sum, examples: m.examples };
    if (d.sums.some((x) => !x)) return;
    const same = d.sums.every((x) => x.sum === d.sums[0].sum && x.examples === d.sums[0].examples);
    state.dpCheck = { same, sums: d.sums.map((x) => x.sum), examples: d.sums.map((x) => x.examples) };
    renderDP();
  }

  // onDPReport keeps the step timings of the last reports (a report
  // covers about 60 ms) and shows their mean, weighted by steps.
  function onDPReport(r) {
    const d = App.dp;
    if (!d) return;
    d.reports = (d.reports || []).concat([r]).slice(-20);
    const mean = (key) => {
      let a = 0, n = 0;
      for (const q of d.reports) if (q.n && q.cycleMs > 0) { a += q[key] * q.steps; n += q.steps; }
      return n ? a / n : 0;
    };
    state.dp = Object.assign({}, r, { gradMs: mean('gradMs'), applyMs: mean('applyMs'), cycleMs: mean('cycleMs') });
    renderDP();
  }

  // renderDP says what a data-parallel step exchanges and costs.
  function renderDP() {
    const d = state.dp;
    const el = $('dp-note');
    if (!d || !App.dp) { el.textContent = ''; return; }
    const mb = (b) => (b / 1e6).toFixed(b < 1e6 ? 2 : 1) + ' MB';
    const exchange = Math.max(0, d.cycleMs - d.gradMs - d.applyMs);
    el.textContent = `${d.n} training workers. Each step exchanges ${mb(d.exchangeBytes)} of gradients (V, biases and dense layers; U is rebuilt in each worker and never sent); ` +
      `a dense net of this shape would exchange ${mb(d.denseBytes)}. A step takes ${d.cycleMs.toFixed(1)} ms: gradient ${d.gradMs.toFixed(1)} ms, optimizer step ${d.applyMs.toFixed(1)} ms, exchange and waiting ${exchange.toFixed(1)} ms.` +
      (state.dpCheck ? (state.dpCheck.same ? ` At the pause the ${d.n} workers hold bit-identical weights (CRC-32 ${state.dpCheck.sums[0]}).` : ' At the pause the workers\u2019 weights differ: this is a bug.') : '');
  }

  // ---- evaluation (the evaluation worker) ----

  // queueEval keeps a run's newest snapshot until the evaluation worker
  // is free: a snapshot that waits behind a newer one is dropped, so the
  // evaluations follow training however slow they are. final marks the
  // snapshot of a paused run, evaluated before the others.
  function queueEval(name, runId, snapshot, final) {
    const q = App.evalq;
    const w = q.waiting[name];
    if (!final && w && w.final && w.runId === runId) return;
    q.waiting[name] = { runId, snapshot, final: !!final };
    pumpEval();
  }

  function pumpEval() {
    const q = App.evalq;
    const h = App.workers.eval;
    if (q.busy || !h || !h.ready) return;
    const names = RUNS.filter((n) => q.waiting[n] && q.waiting[n].runId === App.runs[n].id);
    for (const n of Object.keys(q.waiting)) if (!names.includes(n)) delete q.waiting[n];
    if (!names.length) return;
    // A paused run's final snapshot first, then the run evaluated
    // longest ago.
    names.sort((a, b) => (q.waiting[b].final - q.waiting[a].final) || (App.runs[a].evaluatedAt || 0) - (App.runs[b].evaluatedAt || 0));
    const n = names[0];
    const w = q.waiting[n];
    delete q.waiting[n];
    q.busy = { run: n, runId: w.runId, final: w.final, sentAt: performance.now() };
    App.runs[n].evaluatedAt = performance.now();
    send('eval', { type: 'evaluate', run: n, runId: w.runId, snapshot: w.snapshot, final: w.final }, [w.snapshot.weights.buffer]);
    state.evaluating = true;
  }

  function onEval(h, m) {
    switch (m.type) {
      case 'ready':
        h.ready = true;
        for (const [msg, tr] of h.pending) h.worker.postMessage(msg, tr || []);
        h.pending = [];
        pumpEval();
        break;
      case 'evaluated': {
        const q = App.evalq;
        if (q.busy && q.busy.run === m.run && q.busy.runId === m.runId) q.busy = null;
        state.evaluating = !!q.busy;
        const run = App.runs[m.run];
        if (run && run.id === m.runId && !m.skipped) {
          if (m.error) showMessage(`The test evaluation of ${RUN_NAMES[m.run]} failed: ${m.error}`);
          else onEvaluation(m.run, run, m.evaluation, m.ms);
        }
        pumpEval();
        break;
      }
      case 'cell':
        if (m.run === 'main' && m.runId === App.runs.main.id) { App.cell = m.cell; drawCell(); }
        break;
      case 'error':
        showMessage('The test evaluation: ' + m.message);
        break;
    }
  }

  // onEvaluation records a run's evaluation: a point of its test curve
  // (at the snapshot's training time) and, for the main run, the live
  // accuracy and the confusion matrix.
  function onEvaluation(name, run, e, ms) {
    const last = run.test[run.test.length - 1];
    // A paused run's final evaluation may repeat the last point.
    if (last && last.e === e.examples) run.test.pop();
    run.test.push({ s: e.seconds, e: e.examples, loss: e.loss, acc: e.accuracy });
    run.confusion = e.confusion; run.confusionAt = e.examples;
    state.evalMs = ms;
    if (name === 'main') {
      state.testAccuracy = e.accuracy;
      state.evaluatedAt = e.examples;
      state.evaluatedSeconds = e.seconds;
      later('confusion');
      renderLive();
    } else if (state[name]) {
      Object.assign(state[name], { testAccuracy: e.accuracy, evaluatedAt: e.examples });
    }
    redraw();
  }

  // onDiverged stops every run and says, in plain words, what happened
  // and what to try.
  function onDiverged(h, u) {
    const p = App.params;
    const loss = u.trainLoss;
    const lossText = Number.isFinite(loss) ? fmtNum(loss) : 'not a number';
    const suggest = p.opt === 'adam' ? 0.003 : 0.05;
    const lr = p.lr > suggest ? `The learning rate ${p.lr} is too high for ${p.opt === 'adam' ? 'Adam' : 'SGD'}: try ${suggest} (the default is 0.003 with Adam)`
      : 'Try a smaller learning rate, or a smaller fraction of columns J';
    showMessage(`${h.name === 'main' ? 'Training' : RUN_NAMES[h.name] + ': training'} diverged after ${fmtInt(u.examples)} examples and was stopped: ` +
      `the training loss reached ${lossText}, while a network that guesses at random scores 2.3, so the weights have blown up. ${lr}, then press Train.`);
    state.diverged = true;
    if (h.name === 'main') stopped(h, 'stopped: diverged'); else App.runs[h.name].started = false;
    redraw();
  }

  function meanSpeed(run) {
    if (!run.speed.length) return [0, 0];
    let a = 0, b = 0;
    for (const [e, m] of run.speed) { a += e; b += m; }
    return [a / run.speed.length, b / run.speed.length];
  }

  // ---- the model the form describes (auxiliary worker) ----

  let describeTimer = 0;

  // describe asks the auxiliary worker to build the model the form
  // describes: the real fraction learned, or the error Train would meet.
  function describe() {
    clearTimeout(describeTimer);
    describeTimer = setTimeout(guard(() => {
      if (!App.workers.aux) return;
      const id = ++App.describeSeq;
      send('aux', { type: 'describe', id, params: goParams(App.params), key: buildKey(App.params) });
      App.describing = { id, hash: buildKey(App.params) };
    }), 80);
  }

  function onAux(h, m) {
    switch (m.type) {
      case 'ready':
        h.ready = true;
        for (const [msg, tr] of h.pending) h.worker.postMessage(msg, tr || []);
        h.pending = [];
        if (!App.describing) describe();
        if (!App.x.result && !App.x.inflight) explore();
        break;
      case 'described':
        if (!App.describing || m.id !== App.describing.id) return;
        App.described = Object.assign({ hash: App.describing.hash }, m.result);
        renderFraction();
        renderButtons();
        break;
      case 'explored': onExplored(m); break;
      case 'curve': onCurve(m); break;
      case 'error':
        App.x.error = m.message;
        break;
    }
  }

  // ---- buttons ----

  // compareRuns lists the comparison runs the settings ask for.
  function compareRuns(p) {
    const c = p.compare;
    return c === 'both' ? ['dense', 'small'] : c === 'dense' || c === 'small' ? [c] : [];
  }

  // smallParams returns the settings of the dense net with as many
  // learned hidden weights as the predicted one (the reviewers' naive
  // baseline), as the auxiliary worker solved them (session.Small): a
  // narrower MLP, or a convnet with fewer filters and hidden units. It
  // is null until the form's model has been described.
  function smallParams(p) {
    const d = App.described;
    return d && d.table && d.hash === buildKey(p) ? Object.assign({}, d.table.small, { learned: d.table.smallLearned }) : null;
  }

  function train() {
    clearMessage();
    clearFieldErrors();
    $('note').textContent = '';
    if (App.loadFailed) {
      showMessage('The engine or the digits did not load, so nothing can train. Reload the page to try again.');
      return;
    }
    const id = newRuns();
    resetViews();
    Object.assign(state, { running: true, diverged: false, runId: id });
    App.paused = false;
    App.built = buildKey(App.params);
    const gp = goParams(App.params);
    const extra = compareRuns(App.params);
    const small = smallParams(App.params);
    if (extra.includes('small') && !small) {
      extra.splice(extra.indexOf('small'), 1);
      $('note').textContent = state.buildError ? 'This model cannot be built, so neither can its down-sized comparison.'
        : 'The down-sized comparison is still being solved; press Train again in a moment to include it.';
    }
    App.active = ['main', ...extra];
    if (!App.module) {
      App.trainRequested = true;
      state.queued = true;
      setStatus('queued');
      renderButtons();
      return;
    }
    // Every run gets the same share of the CPU: a worker computes a
    // fraction duty of the time, the cores (one kept for the page)
    // shared evenly among the runs.
    const cores = Math.max(1, (navigator.hardwareConcurrency || 2) - 1);
    const duty = Math.min(1, cores / App.active.length);
    // Data-parallel workers for the main run (alone: a comparison shares
    // the cores another way).
    let nw = workerCount(App.params);
    if (nw > 1 && extra.length) {
      nw = 1;
      $('note').textContent = 'With a comparison, each run trains in one worker.';
    }
    App.dp = nw > 1 ? { n: nw, runId: id } : null;
    const ports = nw > 1 ? dpChannels(nw) : null;
    state.dp = null;
    state.dpCheck = null;
    renderDP();
    for (let k = 1; k < 4; k++) {
      if (k < nw) {
        worker(dpName(k));
        send(dpName(k), { type: 'start', params: gp, runId: id, dp: { k, n: nw, ports: ports[k] } }, Object.values(ports[k]));
      } else send(dpName(k), { type: 'stop', runId: id });
    }
    for (const n of App.active) {
      worker(n);
      let params = gp;
      if (n === 'dense') params = Object.assign({}, gp, { dicts: [] });
      if (n === 'small') {
        state.smallWidth = small.hidden;
        state.smallFilters = small.filters || null;
        state.smallLearned = small.learned;
        params = Object.assign({}, gp, { dicts: [], hidden: small.hidden });
        if (small.filters) params.filters = small.filters;
      }
      App.runs[n].params = params;
      const dp = n === 'main' && nw > 1 ? { k: 0, n: nw, ports: ports[0] } : null;
      send(n, { type: 'start', params, duty, runId: id, dp }, dp ? Object.values(dp.ports) : []);
    }
    for (const n of RUNS) if (!App.active.includes(n)) send(n, { type: 'stop', runId: id });
    setStatus(App.workers.main.ready ? 'building' : 'queued');
    renderButtons();
    redraw();
  }

  // resetViews empties every view of a run: stats, charts, table, units,
  // detail, confusion, pad probabilities.
  function resetViews() {
    App.units = null; App.detail = null; App.table = null; App.prediction = null; App.cell = null;
    Object.assign(state, { running: false, live: null, examplesSeen: 0, testAccuracy: null, evaluatedAt: null, seconds: 0, evaluatedSeconds: null,
      examplesPerS: 0, msPerStep: 0, dense: null, small: null, prediction: null, queued: false, backwards: false });
    $('units-layer').innerHTML = '';
    App.unitsLayer = -1;
    renderTable(); drawPrediction(); drawCell(); later('detail', 'confusion', 'units');
    renderLive();
    redraw();
  }

  function pause() {
    if (!state.running && !App.paused) return;
    if (App.paused) {
      App.paused = false;
      state.running = true;
      for (const n of App.active || []) send(n, { type: 'resume' });
      state.dpCheck = null;
      setStatus('training');
    } else {
      App.paused = true;
      state.running = false;
      // The displayed accuracy becomes that of the paused weights (the
      // ones "Download model" saves).
      for (const n of App.active || []) send(n, { type: 'pause' }), send(n, { type: 'snapshot' });

      setStatus('paused');
    }
    renderButtons();
    later('detail');
  }

  function reset() {
    const id = newRuns();
    for (const n of RUNS) send(n, { type: 'stop', runId: id });
    for (let k = 1; k < 4; k++) send(dpName(k), { type: 'stop', runId: id });
    App.dp = null;
    state.dp = null;
    renderDP();
    App.paused = false;
    App.trainRequested = false;
    state.runId = id;
    state.diverged = false;
    resetViews();
    clearMessage();
    $('note').textContent = '';
    setStatus(state.ready ? 'ready' : 'loading');
    renderButtons();
  }

  function renderButtons() {
    const any = state.running || App.paused;
    $('pause').disabled = !any;
    $('pause').textContent = App.paused ? 'Resume' : 'Pause';
    $('download-model').disabled = !App.runs.main.started;
    $('reset').disabled = !any && !App.runs.main.started && !state.queued && !state.diverged;
    // A settings change that needs a new model says so on the button.
    const changed = App.built && App.built !== buildKey(App.params) && (any || App.runs.main.started);
    $('train').textContent = changed ? 'Rebuild and train' : any ? 'Restart' : 'Train';
    $('train').title = changed ? 'These settings change the model: training starts over with a new one.' : '';
  }

  // STATUS words each state for the live status and the Run panel.
  const STATUS = {
    loading: 'loading the engine and 30,000 digits…', 'not loaded': 'not loaded', ready: 'ready: press Train',
    queued: 'queued: training starts as soon as the engine has loaded', starting: 'starting the engine…',
    building: 'building the model…', training: 'training', paused: 'paused', stopped: 'stopped',
    'stopped: diverged': 'stopped: training diverged', 'stopped: error': 'stopped by an error',
  };

  function setStatus(s) {
    state.status = s;
    $('s-status').textContent = STATUS[s] || s;
    renderLive();
  }

  // renderLive fills the compact live status beside Train.
  function renderLive() {
    const s = STATUS[state.status] || state.status;
    if ($('live-state').textContent !== s) $('live-state').textContent = s;
    const acc = state.testAccuracy == null ? 'accuracy –' : `test accuracy ${(state.testAccuracy * 100).toFixed(2)}%`;
    if ($('live-acc').textContent !== acc) $('live-acc').textContent = acc;
  }

  // ---- drawing helpers ----

  const COLORS = { main: '#d9480f', dense: '#1c7ed6', small: '#2b8a3e' };

  // fitCanvas sizes canvas c's backing store for its CSS size and the
  // device pixel ratio, clears it and returns its context, scaled to CSS
  // pixels. cssWidth, when given, is the width measured beforehand, so
  // that a view drawing several canvases reads every size before its
  // first write instead of forcing a layout per canvas.
  function fitCanvas(c, cssHeight, cssWidth) {
    const dpr = window.devicePixelRatio || 1;
    const w = cssWidth || c.clientWidth || 300;
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

  // fmtInt writes an integer with thousands separators, as
  // toLocaleString('en-US') does, without the cost of loading the
  // locale's number format on the page's thread at its first call.
  const fmtInt = (n) => String(Math.round(n)).replace(/\B(?=(\d{3})+(?!\d))/g, ',');

  // fmtNum writes a number of any size briefly: 1.2×10⁶ for large ones.
  function fmtNum(v) {
    if (!Number.isFinite(v)) return String(v);
    if (Math.abs(v) >= 1e4 || (Math.abs(v) < 1e-3 && v !== 0)) {
      const e = Math.floor(Math.log10(Math.abs(v)));
      const sup = String(e).replace(/./g, (c) => '⁰¹²³⁴⁵⁶⁷⁸⁹⁻'['0123456789-'.indexOf(c)]);
      return `${+(v / Math.pow(10, e)).toFixed(1)}×10${sup}`;
    }
    return String(+v.toPrecision(3));
  }

  function fmtX(v) {
    if (App.xaxis === 'examples') return v >= 1000 ? `${+(v / 1000).toFixed(1)}k` : String(Math.round(v));
    return String(Math.round(v * 10) / 10);
  }

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
    g.textAlign = 'right'; g.textBaseline = 'middle';
    const yt = opt.log ? logTicks(opt.y0, opt.y1, Math.max(2, Math.floor(ph / 22))) : linTicks(opt.y0, opt.y1, 5);
    for (const v of yt) {
      const y = Y(v);
      g.beginPath(); g.moveTo(L, y); g.lineTo(L + pw, y); g.stroke();
      g.fillText(opt.yFmt(v), L - 6, y);
    }
    g.textAlign = 'center'; g.textBaseline = 'top';
    for (const v of linTicks(opt.x0, opt.x1, Math.max(3, Math.floor(pw / 70)))) {
      const x = X(v);
      g.beginPath(); g.moveTo(x, T); g.lineTo(x, T + ph); g.stroke();
      g.fillText(fmtX(v), x, T + ph + 5);
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
      const yOf = (p) => { const v = s.y(p); return Number.isFinite(v) ? Math.max(T - 2, Math.min(T + ph + 2, Y(Math.max(v, lo)))) : T - 2; };
      s.pts.forEach((p, i) => {
        if (i) g.lineTo(X(s.x(p)), yOf(p)); else g.moveTo(X(s.x(p)), yOf(p));
      });
      g.stroke();
      g.setLineDash([]);
      if (s.dots) {
        g.beginPath();
        for (const p of s.pts) { const x = X(s.x(p)), y = yOf(p); g.moveTo(x + 3, y); g.arc(x, y, 3, 0, 2 * Math.PI); }
        g.fill();
      }
    }
    g.restore();
    if (!opt.series.some((s) => s.pts.length)) {
      g.fillStyle = '#5b6475'; g.textAlign = 'center'; g.textBaseline = 'middle';
      g.fillText('press Train', L + pw / 2, T + ph / 2);
    }
  }

  function linTicks(a, b, n) {
    const s = niceStep(b - a, n);
    const out = [];
    for (let v = Math.ceil(a / s - 1e-9) * s; v <= b + 1e-9; v += s) out.push(Math.round(v / s) * s);
    return out;
  }

  // logTicks returns at most max ticks between a and b: 1, 2, 5 per
  // decade when they fit, powers of ten, or every k-th power of ten.
  function logTicks(a, b, max) {
    const e0 = Math.floor(Math.log10(a)), e1 = Math.ceil(Math.log10(b));
    const decades = e1 - e0;
    const out = [];
    const mults = decades * 3 <= max ? [1, 2, 5] : [1];
    const every = Math.max(1, Math.ceil((decades + 1) / max));
    for (let e = e0; e <= e1; e++) {
      if (mults.length === 1 && (e - e0) % every) continue;
      for (const m of mults) {
        const v = m * Math.pow(10, e);
        if (v >= a * 0.999 && v <= b * 1.001) out.push(v);
      }
    }
    return out;
  }

  function drawCharts() {
    const active = RUNS.filter((n) => App.runs[n].train.length || App.runs[n].test.length);
    const xOf = App.xaxis === 'examples' ? (p) => p.e : (p) => p.s;
    let x1 = App.xaxis === 'examples' ? 10000 : 10, accMin = 90, lossMin = 1, lossMax = 0.1;
    for (const n of active) {
      const r = App.runs[n];
      for (const p of r.train) { x1 = Math.max(x1, xOf(p)); }
      for (const p of r.test) { x1 = Math.max(x1, xOf(p)); if (Number.isFinite(p.acc)) accMin = Math.min(accMin, p.acc * 100); if (Number.isFinite(p.loss)) { lossMin = Math.min(lossMin, p.loss); lossMax = Math.max(lossMax, p.loss); } }
      for (const p of r.train) { if (p.loss > 0 && Number.isFinite(p.loss)) { lossMin = Math.min(lossMin, p.loss); lossMax = Math.max(lossMax, p.loss); } }
    }
    const y0 = Math.max(0, Math.floor(accMin / 5) * 5);
    const accSeries = [], lossSeries = [];
    for (const n of active) {
      const r = App.runs[n];
      const acc = (p) => p.acc * 100, loss = (p) => p.loss;
      accSeries.push({ pts: r.train, x: xOf, y: acc, color: COLORS[n], width: 1.2, dash: [4, 3] });
      accSeries.push({ pts: r.test, x: xOf, y: acc, color: COLORS[n], width: 2.5, dots: true });
      lossSeries.push({ pts: r.train, x: xOf, y: loss, color: COLORS[n], width: 1.2, dash: [4, 3] });
      lossSeries.push({ pts: r.test, x: xOf, y: loss, color: COLORS[n], width: 2.5, dots: true });
    }
    const step = App.xaxis === 'examples' ? 5000 : 5;
    const xs = { x0: 0, x1: Math.ceil(x1 / step) * step, xLabel: App.xaxis === 'examples' ? 'training examples seen' : 'training time (s)' };
    drawChart($('acc-chart'), Object.assign({ y0, y1: 100, yLabel: 'accuracy (%)', yFmt: (v) => v.toFixed(v % 1 ? 1 : 0), series: accSeries }, xs));
    const lo = Math.pow(10, Math.floor(Math.log10(Math.max(lossMin, 1e-3))));
    const hi = Math.pow(10, Math.ceil(Math.log10(Math.max(lossMax, lo * 10))));
    drawChart($('loss-chart'), Object.assign({ y0: lo, y1: hi, log: true, yLabel: 'cross-entropy loss', yFmt: (v) => fmtNum(v), series: lossSeries }, xs));
    renderLegend();
    drawMini();
  }

  // drawMini draws the test accuracy of every run in the live status.
  function drawMini() {
    const c = $('mini');
    const { g, w, h } = fitCanvas(c, 32);
    g.strokeStyle = '#dde1e8'; g.strokeRect(0.5, 0.5, w - 1, h - 1);
    let x1 = 10;
    for (const n of RUNS) for (const p of App.runs[n].test) x1 = Math.max(x1, p.s);
    const Y = (a) => h - 2 - Math.max(0, Math.min(1, (a * 100 - 80) / 20)) * (h - 4);
    for (const n of RUNS) {
      const pts = App.runs[n].test;
      if (!pts.length) continue;
      g.strokeStyle = COLORS[n]; g.lineWidth = 1.5;
      g.beginPath();
      pts.forEach((p, i) => { const x = 2 + p.s / x1 * (w - 4); if (i) g.lineTo(x, Y(p.acc)); else g.moveTo(x, Y(p.acc)); });
      g.stroke();
    }
  }

  function renderLegend() {
    const acc = App.table ? App.table.accounting : null;
    const name = !acc ? 'this model' : acc.fraction_learned < 1 ? `predicted (${+(acc.fraction_learned * 100).toFixed(1)}% of hidden weights learned)` : 'this model (dense)';
    const items = [[COLORS.main, name + ', test', ''], [COLORS.main, 'train window', 'thin']];
    for (const n of ['dense', 'small']) {
      if ((App.active || []).includes(n) || App.runs[n].train.length) items.push([COLORS[n], RUN_NAMES[n] + ', test', ''], [COLORS[n], 'train window', 'thin']);
    }
    const html = items.map(([c, t, cls]) => `<span class="${cls}" style="--c:${c}">${t}</span>`).join('');
    if ($('legend').innerHTML !== html) $('legend').innerHTML = html;
  }

  function renderStats() {
    const r = App.runs.main;
    const u = r.last;
    $('s-examples').textContent = u ? fmtInt(u.examples) : '–';
    $('s-epoch').textContent = u ? String(u.epoch + 1) : '–';
    $('s-time').textContent = u ? u.seconds.toFixed(1) + ' s' : '–';
    $('s-speed').textContent = state.examplesPerS ? fmtInt(state.examplesPerS) : '–';
    $('s-step').textContent = state.msPerStep ? state.msPerStep.toFixed(1) : '–';
    $('s-acc').textContent = state.testAccuracy == null ? (state.evaluating ? 'evaluating…' : '–')
      : `${(state.testAccuracy * 100).toFixed(2)} % at ${state.evaluatedSeconds.toFixed(0)} s`;
    const parts = [];
    for (const n of ['dense', 'small']) {
      const d = state[n];
      const shape = n === 'small' && state.smallWidth ? ` (${state.smallFilters ? `${state.smallFilters.join(' and ')} filters, ` : ''}${fmtInt(state.smallWidth)} units)` : '';
      if (d) parts.push(`${n === 'dense' ? 'dense' : 'small' + shape}: ${d.testAccuracy == null ? '…' : (d.testAccuracy * 100).toFixed(2) + ' %'}`);
    }
    const l = state.live;
    $('s-opt').textContent = !l ? '–' : `${l.optim === 'adam' ? 'Adam' : 'SGD'}, rate ${fmtNum(l.lr)}, batch ${l.batch}` +
      (l.pendingBatch ? ` (${l.pendingBatch} from the next whole batch)` : '');
    $('s-dense').textContent = parts.length ? parts.join(', ') : compareRuns(App.params).length && state.running ? 'starting…' : 'off';
    const speed = state.examplesPerS ? `${fmtInt(state.examplesPerS)} examples/s` : '– examples/s';
    if ($('live-speed').textContent !== speed) $('live-speed').textContent = speed;
  }

  // ---- parameter table ----

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
      $('params-note').textContent = 'Static U: the fixed dictionary\u2019s entries, computed before training and never trained. Learned: the weights training changes.';
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
    $('params-note').textContent = `Static U: fixed dictionary entries, never trained. Fraction learned as the paper counts it (predicted layers' weights only): ${a.fraction_learned.toFixed(3)}. ` +
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

  const PALETTE = (() => {
    const p = new Uint8ClampedArray(3 * 256);
    for (let i = 0; i < 256; i++) {
      const t = (i - 127.5) / 127.5;
      const c = t >= 0 ? [255 - 78 * t, 255 - 231 * t, 255 - 212 * t] : [255 + 222 * t, 255 + 153 * t, 255 + 83 * t];
      p.set(c.map(Math.round), 3 * i);
    }
    return p;
  })();

  function paint(px, o, v, m) {
    const i = 3 * Math.max(0, Math.min(255, Math.round(127.5 + 127.5 * v / m)));
    px[o] = PALETTE[i]; px[o + 1] = PALETTE[i + 1]; px[o + 2] = PALETTE[i + 2]; px[o + 3] = 255;
  }

  function imageOf(vals, h, w, mask) {
    let m = 1e-12;
    for (let i = 0; i < vals.length; i++) if (!mask || mask[i]) m = Math.max(m, Math.abs(vals[i]));
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

  // blit draws img at (x, y) scaled by (sx, sy), through one scratch
  // canvas kept for the purpose (a new canvas per image costs more than
  // the drawing).
  let blitCanvas = null;
  function blit(g, img, x, y, sx, sy) {
    if (!blitCanvas || blitCanvas.width < img.width || blitCanvas.height < img.height) {
      blitCanvas = scratch(Math.max(img.width, blitCanvas ? blitCanvas.width : 0), Math.max(img.height, blitCanvas ? blitCanvas.height : 0));
    }
    blitCanvas.getContext('2d').putImageData(img, 0, 0);
    g.imageSmoothingEnabled = false;
    g.drawImage(blitCanvas, 0, 0, img.width, img.height, x, y, img.width * sx, img.height * sy);
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

  function isOutput(u) { return App.table && App.table.rows.length && u.layer === App.table.rows[App.table.rows.length - 1].layer; }

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

  // drawOutput draws the output layer as what it is: a 10×H matrix, one
  // row per digit, one column per hidden unit.
  function drawOutput(c, u) {
    const cols = u.rows;
    const width = c.clientWidth || 600;
    const cw = Math.max(1, Math.min(12, Math.floor((width - 24) / cols)));
    const ch = Math.max(cw, 14);
    const { g } = fitCanvas(c, 10 * ch + 4);
    const img = new ImageData(cols, 10);
    let m = 1e-12;
    for (let i = 0; i < u.weights.length; i++) m = Math.max(m, Math.abs(u.weights[i]));
    for (let k = 0; k < 10; k++) for (let q = 0; q < cols; q++) paint(img.data, 4 * (k * cols + q), u.weights[k * u.rows + q], m);
    blit(g, img, 20, 2, cw, ch);
    g.fillStyle = '#1d2330'; g.font = '11px "Liberation Sans", Arial, sans-serif'; g.textAlign = 'center'; g.textBaseline = 'middle';
    for (let k = 0; k < 10; k++) g.fillText(String(k), 9, 2 + (k + 0.5) * ch);
    $('units-note').textContent = `The output layer: a 10 × ${cols} matrix. Row k holds digit k\u2019s weights on the ${cols} units below (red positive, blue negative); every weight is learned.`;
  }

  function drawUnits() {
    const c = $('units');
    const u = App.units;
    if (!u) {
      const { g, w, h } = fitCanvas(c, state.running ? Math.max(60, c.clientHeight) : 60);
      g.fillStyle = '#5b6475'; g.font = '13px "Liberation Sans", Arial, sans-serif';
      g.textAlign = 'center'; g.textBaseline = 'middle';
      g.fillText(App.runs.main.started ? 'loading unit weights…' : 'press Train to see the units', w / 2, h / 2);
      $('units-note').textContent = 'Each square is one unit\u2019s incoming weights (red positive, blue negative).';
      return;
    }
    if (isOutput(u)) { drawOutput(c, u); return; }
    const geo = unitGeometry(u, c.clientWidth || 600);
    const { g } = fitCanvas(c, Math.ceil(geo.rows * geo.bh));
    const showAlpha = $('show-alpha').checked;
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
    const box = (i, color, lw) => {
      const x = ((i % geo.per) * gw + 1) * sc, y = (Math.floor(i / geo.per) * gh + 1) * sc;
      g.strokeStyle = color; g.lineWidth = lw;
      g.strokeRect(x - 1.5, y - 1.5, u.w * sc + 3, u.h * sc + 3);
    };
    if (App.detail && App.detail.layer === u.layer && App.detail.unit < geo.n) box(App.detail.unit, '#1d2330', 2);
    if (document.activeElement === c) box(Math.min(App.unitFocus, geo.n - 1), '#1864ab', 3);
    $('units-note').textContent = u.predicted
      ? `First ${u.shown} of ${u.units} units. Dots mark α, the positions whose weights are learned; every other pixel is predicted by U. Click a unit, or use the arrow keys and Enter.`
      : `First ${u.shown} of ${u.units} units of a dense layer: every weight is learned. Click a unit, or use the arrow keys and Enter.`;
  }

  function openUnit(i) {
    const u = App.units;
    if (!u || isOutput(u)) return;
    App.unitFocus = i;
    App.detailAt = performance.now();
    App.openRequested = true;
    send('main', { type: 'unit', layer: u.layer, unit: i });
    if (App.params.unitpause && state.running) {
      // The reader asked to look at a unit in peace: training pauses
      // (every run), the unit's detail shows the paused weights.
      pause();
      $('note').textContent = `Paused to show unit ${i + 1} of layer ${u.layer + 1}: press Resume to go on training.`;
    }
  }

  function onUnitsClick(ev) {
    const u = App.units;
    if (!u || isOutput(u)) return;
    const c = $('units');
    const r = c.getBoundingClientRect();
    const geo = unitGeometry(u, c.clientWidth);
    const col = Math.floor((ev.clientX - r.left) / geo.bw), row = Math.floor((ev.clientY - r.top) / geo.bh);
    const i = row * geo.per + col;
    if (col < 0 || col >= geo.per || i < 0 || i >= geo.n) return;
    openUnit(i);
  }

  function onUnitsKey(ev) {
    const u = App.units;
    if (!u || isOutput(u)) return;
    const geo = unitGeometry(u, $('units').clientWidth);
    const moves = { ArrowLeft: -1, ArrowRight: 1, ArrowUp: -geo.per, ArrowDown: geo.per };
    if (ev.key in moves) {
      App.unitFocus = Math.max(0, Math.min(geo.n - 1, App.unitFocus + moves[ev.key]));
      ev.preventDefault();
      drawUnits();
    } else if (ev.key === 'Enter' || ev.key === ' ') {
      ev.preventDefault();
      openUnit(App.unitFocus);
    }
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
    const live = state.running ? 'Updates every two seconds while training.' : 'A snapshot: training is not running.';
    const hasAlpha = d.alpha && d.alpha.length > 0;
    if (d.kind === 'dense') {
      p.textContent = `Unit ${d.unit + 1} of layer ${d.layer + 1}: a dense layer, all ${fmtInt(d.rows)} weights learned. ${live}`;
      box.append(p, labelled('incoming weights W', big(imageOf(d.weights, d.h, d.w))));
    } else {
      p.textContent = `Unit ${d.unit + 1} of layer ${d.layer + 1}, column ${d.column + 1}: ${kindTitle(d.kind)} dictionary, ` +
        `${fmtInt(d.nAlpha)} of ${fmtInt(d.rows)} weights learned (${+(100 * d.nAlpha / d.rows).toFixed(1)}%). ${live}`;
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
    }
    for (const c of box.querySelectorAll('canvas')) { c.setAttribute('role', 'img'); c.setAttribute('aria-label', c.previousSibling ? c.previousSibling.textContent : 'unit weights'); }
    later('units');
    if (App.openRequested) {
      // Open the detail where the reader can see it: on a narrow screen
      // it sits below the grid.
      App.openRequested = false;
      const r = box.getBoundingClientRect();
      if (r.top > window.innerHeight - 80 || r.bottom < 0) box.scrollIntoView({ block: 'nearest', behavior: 'smooth' });
    }
  }

  // ---- confusion matrix: an HTML table of buttons ----

  function drawConfusion() {
    const box = $('confusion');
    const conf = App.runs.main.confusion;
    let html = '<table class="conf"><caption class="sr">Confusion matrix: rows are the true digit, columns the predicted one; each button shows the test digits of its cell.</caption>' +
      '<thead><tr><th scope="col"><span class="sr">true digit</span></th>';
    for (let p = 0; p < 10; p++) html += `<th scope="col">${p}</th>`;
    html += '</tr></thead><tbody>';
    let wrong = 0;
    for (let t = 0; t < 10; t++) {
      html += `<tr><th scope="row">${t}</th>`;
      let row = 0;
      if (conf) for (let p = 0; p < 10; p++) row += conf[t * 10 + p];
      for (let p = 0; p < 10; p++) {
        if (!conf) { html += '<td></td>'; continue; }
        const n = conf[t * 10 + p];
        if (t !== p) wrong += n;
        const f = row ? n / row : 0;
        const v = t === p ? Math.sqrt(f) : Math.min(1, Math.sqrt(f) * 3);
        const col = t === p ? [255 - 215 * v, 255 - 150 * v, 255 - 195 * v] : [255 - 70 * v, 255 - 190 * v, 255 - 240 * v];
        // White text where it contrasts more than black, which the light
        // cells use (not the page's ink: between luminance 0.18 and 0.25
        // neither white nor ink reaches 4.5:1); at the switch both give 4.58:1.
        const lin = (c) => { c /= 255; return c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4); };
        const dark = 0.2126 * lin(col[0]) + 0.7152 * lin(col[1]) + 0.0722 * lin(col[2]) < 0.179;
        html += `<td><button type="button" class="cc${dark ? ' dark' : ''}" data-t="${t}" data-p="${p}" style="background:rgb(${col.map(Math.round).join(',')})" aria-label="${n} test digits ${t} read as ${p}">${n || ''}</button></td>`;
      }
      html += '</tr>';
    }
    html += '</tbody></table>';
    box.innerHTML = html;
    $('confusion-note').textContent = conf
      ? `Rows: true digit, columns: predicted. ${fmtInt(wrong)} of 10,000 test digits wrong, after ${fmtInt(App.runs.main.confusionAt)} training examples. Press a cell to see its digits.`
      : 'Rows: true digit, columns: predicted. Filled in after the first evaluation.';
    drawCell();
  }

  function onConfusionClick(ev) {
    const b = ev.target.closest('button.cc');
    if (!b || !App.runs.main.confusion) return;
    send('eval', { type: 'cell', run: 'main', runId: App.runs.main.id, t: Number(b.dataset.t), p: Number(b.dataset.p), max: 30 });
  }

  function drawCell() {
    let box = $('cell');
    if (!box) {
      box = document.createElement('div');
      box.id = 'cell';
      box.className = 'cell';
      $('confusion-note').after(box);
    }
    const c = App.cell;
    box.innerHTML = '';
    if (!c) return;
    const p = document.createElement('p');
    p.className = 'caption';
    p.textContent = `${c.total} test digit${c.total === 1 ? '' : 's'} ${c.true} read as ${c.predicted}` + (c.total > c.index.length ? ` (first ${c.index.length} shown)` : '') + ':';
    box.append(p);
    const n = c.index.length;
    if (!n) return;
    const cv = scratch(Math.min(n, 10) * 30, Math.ceil(n / 10) * 30);
    cv.className = 'cellimgs';
    cv.setAttribute('role', 'img');
    cv.setAttribute('aria-label', p.textContent);
    const g = cv.getContext('2d');
    for (let i = 0; i < n; i++) {
      const img = new ImageData(28, 28);
      for (let q = 0; q < 784; q++) { const v = 255 - Math.round(255 * c.pixels[i * 784 + q]); img.data.set([v, v, v, 255], 4 * q); }
      blit(g, img, (i % 10) * 30 + 1, Math.floor(i / 10) * 30 + 1, 1, 1);
    }
    box.append(cv);
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
    // The keyboard draws too: Space lowers or lifts the pen, the arrows
    // move it, Delete clears.
    const pen = { x: 112, y: 40, down: false };
    c.addEventListener('keydown', guard((e) => {
      const moves = { ArrowLeft: [-12, 0], ArrowRight: [12, 0], ArrowUp: [0, -12], ArrowDown: [0, 12] };
      if (e.key in moves) {
        e.preventDefault();
        const a = [pen.x, pen.y];
        pen.x = Math.max(10, Math.min(214, pen.x + moves[e.key][0]));
        pen.y = Math.max(10, Math.min(214, pen.y + moves[e.key][1]));
        if (pen.down) { stroke(a, [pen.x, pen.y]); predict(); }
      } else if (e.key === ' ') {
        e.preventDefault();
        pen.down = !pen.down;
        if (pen.down) stroke([pen.x, pen.y], [pen.x, pen.y]);
      } else if (e.key === 'Delete' || e.key === 'Backspace') {
        e.preventDefault();
        $('clear').click();
      }
    }));
    function stroke(a, b) {
      g.strokeStyle = '#000'; g.lineWidth = 17; g.lineCap = 'round'; g.lineJoin = 'round';
      g.beginPath(); g.moveTo(a[0], a[1]); g.lineTo(b[0], b[1]); g.stroke();
      App.padDirty = true;
      if (performance.now() - App.lastPredict > 150) predict();
    }
    $('clear').addEventListener('click', guard(() => {
      clear(); App.padDirty = false; App.prediction = null; state.prediction = null; drawPrediction();
    }));
    App.padClear = clear;
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

  // ---- the dictionary explorer (auxiliary worker) ----

  App.x = { seq: 0, inflight: null, queued: false, changedAt: 0, result: null, curve: [], error: null, drawGen: 0, visible: !window.IntersectionObserver };
  const xstate = { kernel: 'se', length: 2, ridge: 0.1, fraction: 0.2, filter: 1, pixel: 406, alpha: [], error: null, computedMs: null, curve: [], ready: false, updates: 0 };
  window.explorerState = xstate;

  function xSettings(p) {
    return { kernel: p.xk, length: p.xl, ridge: p.xr, fraction: p.xf, seed: 1, pixel: p.xp, filter: p.xs - 1 };
  }

  // explore asks for the explorer's views of the current settings; while
  // one request is in flight, only the newest change waits behind it.
  function explore() {
    App.x.changedAt = performance.now();
    if (!App.workers.aux || !App.workers.aux.ready) { App.x.queued = true; return; }
    if (App.x.inflight) { App.x.queued = true; return; }
    App.x.queued = false;
    const p = App.params;
    const s = xSettings(p);
    const id = ++App.x.seq;
    const curveKey = JSON.stringify([s.ridge, s.fraction, s.filter]);
    const lengths = curveKey !== App.x.curveKey ? [0.3, 0.5, 0.75, 1, 1.5, 2, 3, 4, 6, 10, 15, 20] : null;
    if (lengths) { App.x.curveKey = curveKey; App.x.curve = []; }
    App.x.inflight = { id, settings: s, changedAt: App.x.changedAt };
    if (s.kernel === 'emp' && !App.x.empReady) $('x-note').textContent = 'Computing the covariance of 1,000 training digits for the Emp kernel (once)…';
    send('aux', { type: 'explore', id, settings: s, lengths });
  }

  function onExplored(m) {
    const req = App.x.inflight;
    App.x.inflight = null;
    if (!req || m.id !== req.id) return;
    if (m.error) {
      App.x.error = m.error;
      App.x.drawGen++; // a drawing under way must not overwrite the message
      $('x-note').textContent = 'The explorer cannot show this: ' + m.error;
    } else {
      const result = m.result;
      App.x.result = result;
      App.x.error = null;
      if (req.settings.kernel === 'emp') App.x.empReady = true;
      // explorerState follows once the views show the result, unless a
      // newer result took over meanwhile.
      drawExplorer(req.settings).then(guard(() => {
        if (App.x.result !== result) return;
        const s = req.settings;
        Object.assign(xstate, { kernel: s.kernel, length: s.length, ridge: s.ridge, fraction: s.fraction, filter: s.filter + 1, pixel: s.pixel,
          alpha: Array.from(result.alpha), error: result.relError, workerMs: result.computedMs,
          computedMs: performance.now() - req.changedAt, ready: true, updates: xstate.updates + 1,
          rowSupport: support(result.row), atomSupport: result.atomAlpha.length ? support(result.atoms.subarray(0, 784)) : 0 });
      }));
    }
    if (App.x.queued) explore();
  }

  // support counts the pixels of an image above 5% of its largest value:
  // a dot has a few, a blob hundreds.
  function support(v) {
    let m = 0, n = 0;
    for (const x of v) m = Math.max(m, Math.abs(x));
    for (const x of v) if (Math.abs(x) > 0.05 * m) n++;
    return n;
  }

  function onCurve(m) {
    if (m.error == null) return;
    App.x.curve.push([m.length, m.error]);
    App.x.curve.sort((a, b) => a[0] - b[0]);
    xstate.curve = App.x.curve.slice();
    drawCurve();
  }

  // xCanvas draws a 28×28 image on the square canvas id, width w CSS
  // pixels (measured beforehand), and mark over it.
  function xCanvas(id, w, img, mark) {
    const { g } = fitCanvas($(id), w, w);
    blit(g, img, 0, 0, w / 28, w / 28);
    if (mark) mark(g, w / 28);
  }

  // X_CANVASES are the explorer's canvases, measured together before any
  // is drawn.
  const X_CANVASES = ['x-alpha', 'x-row', 'x-filter', 'x-kept', 'x-pred', 'x-atoms', 'x-curve'];
  const ATOMS_PER_TASK = 6;

  // drawExplorer draws the explorer's result for settings s and resolves
  // to true once every view shows it; to false if a newer drawing (a
  // newer result, or a resize) took over before. On screen, where a
  // reader waits for it, it draws at once; off screen (the first result,
  // below the fold while the page loads), one canvas per task, so that
  // it never holds the page's thread long (the first drawing creates the
  // canvases' contexts and costs the most).
  async function drawExplorer(s) {
    const r = App.x.result;
    if (!r) return false;
    const gen = ++App.x.drawGen;
    const size = {};
    for (const id of X_CANVASES) { const c = $(id); size[id] = { w: c.clientWidth, h: c.clientHeight }; }
    const xw = (id) => size[id].w || 140;
    const n = 784;
    const mask = new Uint8Array(n);
    for (const a of r.alpha) mask[a] = 1;
    const steps = [
      () => {
        const amap = new ImageData(28, 28);
        amap.data.fill(255);
        for (let q = 0; q < n; q++) amap.data.set([236, 238, 241, 255], 4 * q);
        for (const a of r.alpha) amap.data.set([29, 35, 48, 255], 4 * a);
        xCanvas('x-alpha', xw('x-alpha'), amap);
      },
      () => xCanvas('x-row', xw('x-row'), imageOf(r.row, 28, 28), (g, sc) => {
        g.strokeStyle = '#1d2330'; g.lineWidth = 2;
        g.strokeRect((s.pixel % 28) * sc, Math.floor(s.pixel / 28) * sc, sc, sc);
      }),
    ];
    if (r.filter) {
      steps.push(
        () => xCanvas('x-filter', xw('x-filter'), imageOf(r.filter, 28, 28)),
        () => xCanvas('x-kept', xw('x-kept'), imageOf(r.filter, 28, 28, mask)),
        () => xCanvas('x-pred', xw('x-pred'), imageOf(r.predicted, 28, 28)));
    }
    // Atoms in rows, ATOMS_PER_TASK to a task.
    const na = r.atomAlpha.length;
    const width = size['x-atoms'].w || 600;
    const per = Math.max(1, Math.min(na, Math.floor(width / 62)));
    const cell = Math.floor(width / Math.max(per, 6));
    let ag = null;
    for (let a0 = 0; a0 === 0 || a0 < na; a0 += ATOMS_PER_TASK) {
      steps.push(() => {
        if (a0 === 0) ag = fitCanvas($('x-atoms'), Math.ceil(na / per) * cell || 60, width).g;
        for (let a = a0; a < Math.min(na, a0 + ATOMS_PER_TASK); a++) {
          const x = (a % per) * cell, y = Math.floor(a / per) * cell;
          blit(ag, imageOf(r.atoms.subarray(a * n, (a + 1) * n), 28, 28), x + 2, y + 2, (cell - 4) / 28, (cell - 4) / 28);
          markAlpha(ag, [r.atomAlpha[a]], 28, x + 2, y + 2, (cell - 4) / 28, (cell - 4) / 28, 1.5);
        }
      });
    }
    steps.push(() => {
      drawCurve(size['x-curve']);
      // The text last: a write before the canvases are measured would
      // make the measuring lay the page out again.
      $('x-nalpha').textContent = `${r.alpha.length} (${(100 * r.alpha.length / n).toFixed(1)}%)`;
      if (r.filter) $('x-error').textContent = `${(100 * r.relError).toFixed(1)}%`;
      const k = s.kernel === 'se' ? `the SE kernel with ℓ = ${s.length} px` : 'the Emp kernel (pixel covariance)';
      $('x-note').textContent = `With ${k}, λ = ${s.ridge} and ${r.alpha.length} of 784 weights kept, U predicts the filter with a relative error of ${(100 * r.relError).toFixed(1)}%. ` +
        (s.kernel === 'se' ? (s.length < 1 ? 'A short length scale spreads each weight to almost nothing: isolated dots.' : s.length > 5 ? 'A long length scale spreads each weight into a broad blob: fine detail is lost.' : '') : '');
    });
    const chunked = !App.x.visible;
    for (let i = 0; i < steps.length; i++) {
      if (i > 0 && chunked) {
        await nextTask();
        if (gen !== App.x.drawGen) return false;
      }
      steps[i]();
    }
    return true;
  }

  // drawCurve draws the error against ℓ; size, when given, is the
  // canvas's CSS size measured beforehand ({w, h}).
  function drawCurve(size) {
    const c = $('x-curve');
    const { g, w, h } = size && size.w ? fitCanvas(c, size.h || 140, size.w) : fitCanvas(c, c.clientHeight || 140);
    const pts = App.x.curve;
    const L = 34, B = 20, T = 6, R = 6;
    const pw = w - L - R, ph = h - T - B;
    const lx = (l) => L + (Math.log(l) - Math.log(0.3)) / (Math.log(20) - Math.log(0.3)) * pw;
    const ymax = Math.max(1, ...pts.map((p) => p[1]));
    const Y = (e) => T + ph - e / ymax * ph;
    g.font = '10px "Liberation Sans", Arial, sans-serif'; g.fillStyle = '#5b6475'; g.strokeStyle = '#e9ecef';
    g.textAlign = 'right'; g.textBaseline = 'middle';
    for (const v of [0, 0.5, 1]) { const y = Y(v * ymax); g.beginPath(); g.moveTo(L, y); g.lineTo(L + pw, y); g.stroke(); g.fillText(`${Math.round(100 * v * ymax)}%`, L - 3, y); }
    g.textAlign = 'center'; g.textBaseline = 'top';
    for (const l of [0.5, 1, 2, 5, 10, 20]) g.fillText(String(l), lx(l), T + ph + 3);
    g.strokeStyle = '#868e96'; g.strokeRect(L + 0.5, T + 0.5, pw, ph);
    if (pts.length) {
      g.strokeStyle = '#d9480f'; g.lineWidth = 2; g.beginPath();
      pts.forEach((p, i) => { if (i) g.lineTo(lx(p[0]), Y(p[1])); else g.moveTo(lx(p[0]), Y(p[1])); });
      g.stroke();
    }
    const r = App.x.result, s = xSettings(App.params);
    if (r && r.filter) {
      g.fillStyle = '#1d2330';
      if (s.kernel === 'se') { g.beginPath(); g.arc(lx(Math.max(0.3, Math.min(20, s.length))), Y(r.relError), 4, 0, 2 * Math.PI); g.fill(); }
      else { g.setLineDash([4, 3]); g.strokeStyle = '#1c7ed6'; g.beginPath(); g.moveTo(L, Y(r.relError)); g.lineTo(L + pw, Y(r.relError)); g.stroke(); g.setLineDash([]); }
    }
  }

  function onRowClick(ev) {
    const c = $('x-row');
    const r = c.getBoundingClientRect();
    const x = Math.floor((ev.clientX - r.left) / r.width * 28), y = Math.floor((ev.clientY - r.top) / r.height * 28);
    if (x < 0 || x > 27 || y < 0 || y > 27) return;
    App.params.xp = y * 28 + x;
    history.replaceState(null, '', hashOf(App.params));
    explore();
  }

  // ---- the paper's Figure 4, live ----

  // FIG4 names the arms drawn: the runs here (session.Figure4Arms and
  // dense) and the same arms of the reproduction (data/fig4.json).
  const FIG4 = {
    arms: { 'se-emp': { title: 'SE–Emp', color: '#d9480f' }, randfixu: { title: 'RandFixU', color: '#1c7ed6' }, dense: { title: 'dense', color: '#2b8a3e' } },
    fractions: [0.05, 0.1, 0.2, 0.5],
  };
  const fig = { ref: null, runs: null, points: [], progress: null, running: false, done: false, error: null, startedAt: 0 };
  window.fig4State = fig;

  async function loadFig4() {
    if (fig.ref) return;
    fig.ref = [];
    try {
      const r = await fetch('data/fig4.json');
      if (!r.ok) throw new Error('HTTP ' + r.status);
      const d = await r.json();
      fig.ref = (d.points || []).filter((q) => FIG4.arms[q.arm]);
      fig.refLoaded = true;
    } catch (err) {
      fig.ref = [];
      $('fig4-text').textContent = 'The reproduction\u2019s results did not load (' + (err && err.message ? err.message : err) + '); the runs here still work.';
    }
    drawFig4();
  }

  // fig4Run starts the sweep in a worker of its own, or cancels it: the
  // worker is ended, so cancelling is immediate and frees its memory.
  function fig4Run() {
    if (fig.running) {
      fig4Stopped(`Cancelled after ${fig.points.length} of ${fig.runs ? fig.runs.length : '…'} runs.`);
      return;
    }
    if (App.loadFailed || !App.module) {
      $('fig4-text').textContent = App.loadFailed ? 'The engine or the digits did not load: reload the page.' : 'The engine is still loading: try again in a moment.';
      return;
    }
    // The sweep gets the cores: a training run pauses.
    if (state.running) pause();
    const p = App.params;
    const params = { model: 'mlp', hidden: Number($('fig4-hidden').value), depth: 2, dicts: ['se', 'emp'], fraction: 0.1, columns: 1,
      length: p.ell, ridge: p.ridge, optim: p.opt, lr: p.lr, batch: p.batch, seed: p.seed };
    Object.assign(fig, { runs: null, points: [], progress: null, running: true, done: false, error: null, startedAt: performance.now(),
      hidden: params.hidden, examples: Number($('fig4-examples').value) });
    worker('fig4');
    send('fig4', { type: 'fig4', params, fractions: FIG4.fractions, examples: fig.examples });
    renderFig4();
  }

  function fig4Stopped(text) {
    const h = App.workers.fig4;
    if (h) { h.worker.terminate(); delete App.workers.fig4; }
    fig.running = false;
    renderFig4(text);
  }

  function onFig4(h, m) {
    switch (m.type) {
      case 'ready':
        h.ready = true;
        for (const [msg, tr] of h.pending) h.worker.postMessage(msg, tr || []);
        h.pending = [];
        break;
      case 'fig4':
        if (!fig.running) return;
        if (m.error) { fig.error = m.error; fig4Stopped('Stopped: ' + m.error); return; }
        if (m.runs) fig.runs = m.runs;
        if (m.progress) {
          fig.progress = m.progress;
          if (m.progress.point) fig.points.push(m.progress.point);
          if (m.progress.done) {
            fig.done = true;
            fig4Stopped(`Done: ${fig.points.length} runs in ${((performance.now() - fig.startedAt) / 1000).toFixed(0)} s.`);
            return;
          }
        }
        renderFig4();
        break;
      case 'error':
        fig.error = m.message;
        fig4Stopped(m.message);
        break;
    }
  }

  // renderFig4 updates the button, the progress and the chart.
  function renderFig4(text) {
    $('fig4-run').textContent = fig.running ? 'Cancel' : 'Run Figure 4';
    $('fig4-hidden').disabled = $('fig4-examples').disabled = fig.running;
    const pr = fig.progress, n = fig.runs ? fig.runs.length : 0;
    const frac = n ? (fig.points.length + (pr && !pr.done ? pr.examples / pr.target : 0)) / n : 0;
    $('fig4-progress').value = fig.running ? frac : fig.done ? 1 : frac;
    if (text) $('fig4-text').textContent = text;
    else if (fig.running) {
      if (!fig.runs) $('fig4-text').textContent = 'Starting: loading the digits into a worker of its own…';
      else {
        const r = fig.runs[Math.min(fig.points.length, n - 1)];
        const name = FIG4.arms[r.arm].title + (r.arm === 'dense' ? '' : ` at ${(100 * r.fraction).toFixed(0)}% learned`);
        $('fig4-text').textContent = `Run ${fig.points.length + 1} of ${n}: ${name}, ${fmtInt(pr ? pr.examples : 0)} of ${fmtInt(fig.examples)} examples (784-${fig.hidden}-${fig.hidden}-10).`;
      }
    }
    drawFig4();
  }

  function drawFig4() {
    const c = $('fig4-chart');
    const { g, w, h } = fitCanvas(c);
    const L = 52, R = 12, T = 10, B = 38;
    const pw = w - L - R, ph = h - T - B;
    const x0 = 0.01, x1 = 1;
    const pts = (fig.ref || []).concat(fig.points);
    let y1 = 0.1, y0 = 0.01;
    for (const q of pts) if (q.error > 0) { y1 = Math.max(y1, q.error); y0 = Math.min(y0, q.error); }
    y1 = Math.min(1, Math.pow(10, Math.ceil(Math.log10(y1) * 2) / 2));
    y0 = Math.pow(10, Math.floor(Math.log10(y0) * 2) / 2);
    const X = (v) => L + (Math.log10(Math.max(x0, v)) - Math.log10(x0)) / (Math.log10(x1) - Math.log10(x0)) * pw;
    const Y = (v) => T + ph - (Math.log10(Math.max(y0, v)) - Math.log10(y0)) / (Math.log10(y1) - Math.log10(y0)) * ph;
    g.font = '12px "Liberation Sans", Arial, sans-serif';
    g.strokeStyle = '#e9ecef'; g.fillStyle = '#5b6475'; g.lineWidth = 1;
    g.textAlign = 'right'; g.textBaseline = 'middle';
    for (const v of logTicks(y0, y1, Math.max(2, Math.floor(ph / 22)))) {
      g.beginPath(); g.moveTo(L, Y(v)); g.lineTo(L + pw, Y(v)); g.stroke();
      g.fillText(`${+(100 * v).toPrecision(2)}%`, L - 6, Y(v));
    }
    g.textAlign = 'center'; g.textBaseline = 'top';
    for (const v of [0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1]) {
      g.beginPath(); g.moveTo(X(v), T); g.lineTo(X(v), T + ph); g.stroke();
      g.fillText(String(v), X(v), T + ph + 5);
    }
    g.strokeStyle = '#868e96'; g.strokeRect(L + 0.5, T + 0.5, pw, ph);
    g.fillStyle = '#1d2330';
    g.fillText('fraction of the predicted layers\u2019 weights learned', L + pw / 2, T + ph + 21);
    g.save(); g.translate(13, T + ph / 2); g.rotate(-Math.PI / 2); g.textBaseline = 'middle'; g.fillText('test error', 0, 0); g.restore();
    // One series per arm and source: the reproduction's open and dashed,
    // the runs here filled and solid. Dense is one point: a level line.
    const series = (list, arm) => list.filter((q) => q.arm === arm).sort((a, b) => a.learned - b.learned);
    for (const [list, here] of [[fig.ref || [], false], [fig.points, true]]) {
      for (const arm of Object.keys(FIG4.arms)) {
        const s = series(list, arm);
        if (!s.length) continue;
        g.strokeStyle = g.fillStyle = FIG4.arms[arm].color;
        g.lineWidth = here ? 2.2 : 1.4;
        g.setLineDash(here ? [] : [5, 4]);
        g.beginPath();
        if (arm === 'dense') { g.moveTo(L, Y(s[0].error)); g.lineTo(L + pw, Y(s[0].error)); } else s.forEach((q, i) => (i ? g.lineTo : g.moveTo).call(g, X(q.learned), Y(q.error)));
        g.stroke();
        g.setLineDash([]);
        for (const q of s) {
          g.beginPath(); g.arc(X(q.learned), Y(q.error), here ? 4 : 3.5, 0, 2 * Math.PI);
          if (here) g.fill(); else { g.fillStyle = '#fff'; g.fill(); g.stroke(); g.fillStyle = FIG4.arms[arm].color; }
        }
      }
    }
    const items = [];
    for (const arm of Object.keys(FIG4.arms)) {
      items.push(`<span style="--c:${FIG4.arms[arm].color}">${FIG4.arms[arm].title}, here</span>`);
      items.push(`<span class="thin" style="--c:${FIG4.arms[arm].color}">${FIG4.arms[arm].title}, reproduction</span>`);
    }
    const html = items.join('');
    if ($('fig4-legend').innerHTML !== html) $('fig4-legend').innerHTML = html;
  }

  // ---- the guided path ----

  const TOUR = [
    { view: 'x-filter', text: 'This is one hidden unit of a trained dense network: its 784 incoming weights, drawn as a 28×28 image (red positive, blue negative). Neighbouring weights are alike: the image is smooth, so it holds far fewer than 784 independent numbers.', set: { xk: 'se', xl: 2 } },
    { view: 'x-kept', text: 'Keep only the weights at a random 20% of the pixels, the set α (the dark dots on the left). Everything else is thrown away. Can we get it back?', set: { xf: 0.2 } },
    { view: 'x-row', text: 'A kernel says how alike two pixels are. With the squared-exponential (SE) kernel, a pixel is alike its neighbours within about ℓ pixels. Click the image to move the pixel; drag ℓ to widen or narrow it.' },
    { view: 'x-pred', text: 'Kernel ridge regression turns the kernel into a dictionary U: W = U·W_α predicts every weight from the kept ones. The error under the image says how close it is. Try ℓ = 0.5 (dots) and ℓ = 10 (blobs): the curve on the right shows the error for every ℓ.' },
    { view: 'x-atoms', text: 'Each column of U is one atom: the shape one learned weight spreads into. The network learns only W_α; U is fixed before training and costs nothing to train.' },
    { view: 'train', text: 'Now train a network whose first layer learns 19.5% of its weights (the fraction-learned slider) and predicts the rest with SE. Press Train: the live status beside it shows the accuracy as it climbs past 97%.', train: true },
    { view: 'in-compare', text: 'Is predicting better than simply using a smaller network? Set “compare with” to “both” and press Train: the dense net of the same shape, and a dense net with as many learned weights, train beside it with the same share of the CPU.', set: { compare: 'both' } },
  ];

  function tourStep(i) {
    const s = TOUR[i];
    if (s.set) {
      Object.assign(App.params, s.set);
      history.replaceState(null, '', hashOf(App.params));
      renderFields();
      explore();
      describe();
      renderButtons();
    }
    $('tour-text').textContent = `Step ${i + 1} of ${TOUR.length}: ${s.text}`;
    const el = $(s.view);
    document.querySelectorAll('.spot').forEach((e) => e.classList.remove('spot'));
    if (el) {
      const target = el.closest('figure') || el;
      target.classList.add('spot');
      target.scrollIntoView({ block: 'center', behavior: 'smooth' });
      if (s.view === 'train' || s.view === 'in-compare') el.focus({ preventScroll: true });
    }
  }

  // ---- share and export ----

  function resultText() {
    const a = state.testAccuracy;
    if (a == null) return '';
    const f = App.table ? App.table.accounting.fraction_learned : null;
    return `${(100 * a).toFixed(2)}% test accuracy after ${fmtInt(state.evaluatedAt)} examples (${state.evaluatedSeconds.toFixed(0)} s)` + (f != null ? `, ${(100 * f).toFixed(1)}% of weights learned` : '');
  }

  async function copyLink() {
    const p = Object.assign({}, App.params, { res: resultText() });
    const url = location.href.replace(/#.*$/, '') + hashOf(p);
    let ok = false;
    try { await navigator.clipboard.writeText(url); ok = true; } catch (_) { ok = false; }
    state.sharedLink = url;
    $('note').textContent = ok ? 'Link copied, with the settings and this run\u2019s result.' : 'Copy this link: ' + url;
  }

  function download(name, blob) {
    const a = document.createElement('a');
    a.href = URL.createObjectURL(blob);
    a.download = name;
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(a.href), 1000);
  }

  // downloadModel asks the training worker for the model, as a
  // safetensors file in the compact form (onModel saves it).
  function downloadModel() {
    if (!App.runs.main.started) return;
    send('main', { type: 'model' });
    $('note').textContent = 'Preparing the model file…';
  }

  function onModel(m) {
    const acc = App.table ? App.table.accounting : null;
    const name = `predparams-${App.params.model}-${dictKeys(App.params).map((k) => App.params[k]).join('-')}-${m.examples}.safetensors`;
    download(name, new Blob([m.bytes], { type: 'application/octet-stream' }));
    state.download = { name, bytes: m.bytes.length, examples: m.examples };
    const pausedAcc = App.paused && state.evaluatedAt === m.examples && state.testAccuracy != null
      ? ` Its test accuracy here: ${(100 * state.testAccuracy).toFixed(2)}%.` : '';
    $('note').textContent = `Saved ${name} (${fmtInt(m.bytes.length)} bytes, safetensors: the learned weights${acc && acc.fraction_learned < 1 ? ', and the config that rebuilds U' : ''}) after ${fmtInt(m.examples)} examples.${pausedAcc} ` +
      'Evaluate it natively with: go run ./native/headless -import ' + name + ' -data static/data';
  }

  // curvesCSV returns every run's curves, one point a line.
  function curvesCSV() {
    const lines = ['run,series,seconds,examples,loss,accuracy'];
    for (const n of RUNS) {
      const r = App.runs[n];
      for (const [series, pts] of [['train', r.train], ['test', r.test]]) {
        for (const p of pts) lines.push([n, series, p.s.toFixed(3), p.e, p.loss, p.acc].join(','));
      }
    }
    return lines.join('\n') + '\n';
  }

  function chartsPNG() {
    const a = $('acc-chart'), b = $('loss-chart');
    const c = scratch(a.width + b.width, Math.max(a.height, b.height));
    const g = c.getContext('2d');
    g.fillStyle = '#fff'; g.fillRect(0, 0, c.width, c.height);
    g.drawImage(a, 0, 0); g.drawImage(b, a.width, 0);
    c.toBlob((blob) => download('predparams-curves.png', blob), 'image/png');
  }

  // ---- frames ----

  // The page draws in an animation frame only when something changed: a
  // view passed to later, or the charts and figures after redraw. An idle
  // page runs no frame callbacks at all.

  // later marks views (keys of VIEWS) to draw at the next frame.
  function later(...views) {
    for (const v of views) App.pending.add(v);
    wantFrame();
  }

  // redraw marks the learning curves and the run's figures to draw at
  // the next frame.
  function redraw() {
    App.dirty = true;
    wantFrame();
  }

  function wantFrame() {
    if (App.frameWanted) return;
    App.frameWanted = true;
    requestAnimationFrame(frame);
  }

  const VIEWS = { units: () => drawUnits(), detail: () => drawDetail(), confusion: () => drawConfusion() };

  function frame() {
    App.frameWanted = false;
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
  }

  // nextTask resolves in a new task, so that the browser can paint and
  // handle input before the work that follows (scheduler.yield where
  // there is one, which resumes ahead of other queued tasks).
  function nextTask() {
    if (window.scheduler && typeof scheduler.yield === 'function') return scheduler.yield();
    return new Promise((resolve) => setTimeout(resolve, 0));
  }

  async function init() {
    try {
      await loadMenus();
    } catch (err) {
      showMessage('The dictionary menus could not load (' + (err && err.message ? err.message : err) + '); only dense layers are offered. Reload to try again.');
    }
    buildFields();
    applyHash();
    window.addEventListener('hashchange', guard(() => { clearMessage(); applyHash(); renderButtons(); }));
    $('train').addEventListener('click', guard(train));
    $('pause').addEventListener('click', guard(pause));
    $('reset').addEventListener('click', guard(reset));
    $('units').addEventListener('click', guard(onUnitsClick));
    $('units').addEventListener('keydown', guard(onUnitsKey));
    $('units').addEventListener('focus', guard(() => drawUnits()));
    $('units').addEventListener('blur', guard(() => drawUnits()));
    $('confusion').addEventListener('click', guard(onConfusionClick));
    $('x-row').addEventListener('click', guard(onRowClick));
    $('xaxis').addEventListener('change', guard(() => { App.xaxis = $('xaxis').value; redraw(); }));
    $('copy-link').addEventListener('click', guard(copyLink));
    $('csv').addEventListener('click', guard(() => download('predparams-curves.csv', new Blob([curvesCSV()], { type: 'text/csv' }))));
    $('png').addEventListener('click', guard(chartsPNG));
    $('download-model').addEventListener('click', guard(downloadModel));
    $('fig4-run').addEventListener('click', guard(fig4Run));
    document.querySelectorAll('#tour button').forEach((b) => b.addEventListener('click', guard(() => tourStep(Number(b.dataset.step)))));
    $('units-layer').addEventListener('change', guard(() => {
      App.unitsLayer = Number($('units-layer').value);
      App.units = null; App.detail = null;
      drawUnits(); drawDetail();
      send('main', { type: 'units', layer: App.unitsLayer, max: 64 });
    }));
    $('show-alpha').addEventListener('change', guard(() => { drawUnits(); }));
    $('pause-unit').addEventListener('change', guard(() => {
      App.params.unitpause = $('pause-unit').checked;
      history.replaceState(null, '', hashOf(App.params));
    }));
    window.addEventListener('resize', guard(() => { redraw(); later('units'); drawFig4(); if (App.x.result) drawExplorer(xSettings(App.params)); }));
    if (window.IntersectionObserver) {
      new IntersectionObserver(guard((entries) => { App.x.visible = entries[entries.length - 1].isIntersecting; })).observe($('explorer'));
      new IntersectionObserver(guard((entries) => {
        App.unitsVisible = entries[entries.length - 1].isIntersecting;
        if (App.unitsVisible && App.unitsStale) { App.unitsStale = false; later('units'); }
      })).observe($('units'));
    }
    // The engine and the digits load while the views draw.
    await nextTask();
    const loading = load();
    // Each view's first drawing is a task of its own, so that none of
    // them holds the page's thread long, and the page paints between them.
    for (const draw of [renderButtons, setupPad, drawPrediction, drawConfusion, drawUnits, drawCurve, renderTable, renderLegend]) {
      await nextTask();
      draw();
    }
    wantFrame();
    // The reproduction's results load when their panel comes into view:
    // the first visit does not fetch them.
    if (window.IntersectionObserver) {
      const io = new IntersectionObserver(guard((entries) => {
        if (entries.some((e) => e.isIntersecting)) { io.disconnect(); loadFig4(); }
      }));
      io.observe($('fig4'));
    } else loadFig4();
    await loading;
    if (App.trainRequested && App.module) { App.trainRequested = false; train(); }
  }

  window.addEventListener('unhandledrejection', (e) => {
    e.preventDefault();
    showMessage('Something went wrong: ' + (e.reason && e.reason.message ? e.reason.message : e.reason));
  });
  guard(init)().catch((err) => showMessage('The page could not start: ' + (err && err.message ? err.message : err)));
})();
