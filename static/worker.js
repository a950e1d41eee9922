// worker.js runs one wasm instance of the engine in a Web Worker, so that
// training never blocks the page. It has one of three roles: a training
// worker (one per run) trains in time slices, posts one update per slice
// and, every few seconds of training, a snapshot of its weights; the
// evaluation worker evaluates those snapshots on the test set, so that
// training never stops for it; the auxiliary worker first fetches the
// engine (compiled here) and the data for every worker (fetchAll), then
// describes models and runs the dictionary explorer. Every crossing into
// Go is one call per slice or per request, with typed arrays.
'use strict';

importScripts('wasm_exec.js');

const W = {
  api: null,        // globalThis.predparams, once the instance runs
  started: false,   // a model has been built
  running: false,   // training slices are being run
  looping: false,   // the slice loop is scheduled
  slice: 60,        // milliseconds of training per slice
  duty: 1,          // share of the time this worker computes (see schedule)
  unitsLayer: -1,   // layer whose unit images the page shows
  unitsMax: 64,
  lastUnits: 0,     // time of the last unit images sent
  runId: 0,         // the page's id of the current run, on every run message
  examples: 0,      // examples seen at the last update
  evalRuns: {},     // evaluation worker: run name → the run id of its model
  dp: null,         // data-parallel state (dpStart)
  curveGen: 0,      // bumped by every explore request: stale curve points stop
  tick: new MessageChannel(),
};

// post sends a message of the current run: the page drops messages whose
// runId is not its current one, so a late message of an old run never
// reaches a new run's views.
function post(msg, transfer) { msg.runId = W.runId; self.postMessage(msg, transfer || []); }

// WHERE words the step that failed for the page's message.
const WHERE = {
  init: 'The training engine could not start',
  start: 'This model cannot be built',
  training: 'Training stopped',
  engine: 'The training engine stopped',
  units: 'The unit images are not available',
  unit: 'This unit cannot be shown',
  predict: 'The drawing cannot be read',
  model: 'The model cannot be saved',
  snapshot: 'The weights cannot be copied for evaluation',
  live: 'The new setting cannot be applied to the running model',
};

// fail reports an error to the page; stop says the run is over.
function fail(where, err, stop) {
  const text = err && err.message ? err.message : String(err);
  post({ type: 'error', message: (WHERE[where] || where) + ': ' + text, stop: !!stop });
}

// call invokes a Go method; a Go error comes back as {error}.
function call(name, ...args) {
  const r = W.api[name](...args);
  if (r && r.error) throw new Error(r.error);
  return r;
}

// fetchAll fetches and compiles the engine (msg.engine) and fetches the
// data files (msg.data, as Blobs) and the explorer's filters (msg.filters,
// as text, or null where it does not load), all here, off the page's
// thread, and sends them to the page, which hands them to every worker
// it starts, this one included.
async function fetchAll(msg) {
  const blob = async (url) => {
    const r = await fetch(url);
    if (!r.ok) throw new Error(`${url}: HTTP ${r.status}`);
    return r.blob();
  };
  const compile = async (url) => {
    const r = await fetch(url);
    if (!r.ok) throw new Error(`${url}: HTTP ${r.status}`);
    return (r.headers.get('Content-Type') || '').startsWith('application/wasm') && WebAssembly.compileStreaming
      ? WebAssembly.compileStreaming(r) : WebAssembly.compile(await r.arrayBuffer());
  };
  try {
    const [module, filters, ...data] = await Promise.all([compile(msg.engine),
      fetch(msg.filters).then((r) => (r.ok ? r.text() : null)), ...msg.data.map(blob)]);
    self.postMessage({ type: 'fetched', module, filters, data });
  } catch (err) {
    self.postMessage({ type: 'fetched', error: err && err.message ? err.message : String(err) });
  }
}

// bytesOf returns a data file's bytes: the page sends Blobs, read here
// so that the page's thread never copies them.
async function bytesOf(b) {
  return new Uint8Array(b instanceof Blob ? await b.arrayBuffer() : b);
}

async function init(msg) {
  const data = Promise.all(msg.data.map(bytesOf));
  data.catch(() => {}); // awaited below, after the instance starts
  const go = new Go();
  const ready = new Promise((resolve) => { globalThis.predparamsReady = resolve; });
  const inst = await WebAssembly.instantiate(msg.module, go.importObject);
  go.run(inst).then(() => fail('engine', 'the wasm instance exited', true));
  await ready;
  W.api = globalThis.predparams;
  const d = await data;
  if (msg.role === 'aux') {
    // The auxiliary worker describes models and runs the explorer: a
    // few thousand digits are all it needs.
    const r = call('loadFirst', d[0], d[1], msg.digits || 2000);
    if (msg.filters) call('explorer', msg.filters);
    post({ type: 'ready', train: r.train, test: 0 });
    return;
  }
  if (msg.role === 'eval') {
    // The evaluation worker: the whole test set, and the first training
    // digits, which the data-driven dictionaries are built from
    // (session.NewEvaluator).
    const r = call('loadEval', d[0], d[1], d[2], d[3]);
    post({ type: 'ready', train: r.train, test: r.test });
    return;
  }
  const r = call('load', d[0], d[1], d[2], d[3]);
  post({ type: 'ready', train: r.train, test: r.test });
}

function start(msg) {
  W.running = false;
  W.started = false;
  W.runId = msg.runId || 0;
  W.examples = 0;
  const r = call('start', JSON.stringify(msg.params));
  W.started = true;
  post({ type: 'started', table: JSON.parse(r.table), trainN: r.trainN, testN: r.testN });
  // The evaluation worker builds the same model (checked by the
  // dictionaries' checksums), then gets only the weights.
  if (!(msg.dp && msg.dp.k > 0)) post({ type: 'evalModel', params: msg.params, sums: r.sums });
  W.lastUnits = 0;
  W.duty = Math.min(1, Math.max(0.1, msg.duty || 1));
  W.running = true;
  dpClose();
  if (msg.dp && msg.dp.n > 1) {
    dpStart(msg.dp);
    return;
  }
  schedule();
}

// Data-parallel training. Each of n workers holds the same session and
// computes shard k of every minibatch; the workers send their shards to
// each other directly, through MessagePorts the page set up (the page's
// thread is not on the way), and each applies step s once it holds all
// n shards of s (session.ApplyShards sums them in worker order, so the
// weights stay bit-identical). Worker 0 paces the run: it alone pauses
// and resumes (the others stop when its next shard does not come),
// carries new live settings on its shard (every worker applies them
// before the same step), and reports to the page. JS only moves the
// arrays.
function dpStart(o) {
  const r = call('dpStart', o.k, o.n);
  const d = W.dp = { k: o.k, n: o.n, ports: o.ports, step: 0, posted: -1, inbox: new Map(), live: null, liveAt: null,
    lastUpdate: 0, gradMs: 0, applyMs: 0, cycleMs: 0, cycleAt: 0, steps: 0, wantFinal: false, sumAt: -1,
    exchangeBytes: r.exchangeBytes, denseBytes: r.denseBytes };
  for (const [j, port] of Object.entries(d.ports)) {
    port.onmessage = (e) => { if (W.dp === d) dpReceive(Number(j), e.data); };
  }
  dpGradient();
}

function dpClose() {
  if (W.dp) for (const port of Object.values(W.dp.ports)) port.close();
  W.dp = null;
}

// dpQuiet reports that this worker has applied the step of its last
// shard: it waits for nothing.
function dpQuiet() { return W.dp.posted < W.dp.step; }

// dpGradient computes this worker's shard of the next step and sends it
// to every other worker (transferred to the last, copied for the rest).
function dpGradient() {
  const d = W.dp;
  const t0 = performance.now();
  const sh = call('dpGradient');
  d.gradMs += performance.now() - t0;
  d.posted = d.step;
  if (d.k === 0 && d.live) { sh.live = d.live; d.liveAt = { step: d.step, live: d.live }; d.live = null; }
  const ports = Object.values(d.ports);
  ports.forEach((port, i) => {
    const last = i === ports.length - 1;
    const grad = last ? sh.grad : sh.grad.slice();
    port.postMessage({ step: d.step, shard: Object.assign({}, sh, { grad }) }, [grad.buffer]);
  });
  dpTry();
}

function dpReceive(j, m) {
  const d = W.dp;
  if (!d.inbox.has(m.step)) d.inbox.set(m.step, new Map());
  d.inbox.get(m.step).set(j, m.shard);
  try { dpTry(); } catch (err) {
    W.running = false;
    fail('training', err, true);
  }
}

// dpTry applies the current step when this worker's shard is out and
// every other worker's has come, then goes on while running.
function dpTry() {
  const d = W.dp;
  if (!d || d.posted !== d.step) return;
  const box = d.inbox.get(d.step);
  if (!box || box.size < d.n - 1) return;
  d.inbox.delete(d.step);
  const shards = [];
  for (let j = 0; j < d.n; j++) {
    const sh = j === d.k ? null : box.get(j);
    shards.push(sh ? { grad: sh.grad, loss: sh.loss, correct: sh.correct, examples: sh.examples } : { grad: null, loss: 0, correct: 0, examples: 0 });
  }
  const live = d.k === 0 ? (d.liveAt && d.liveAt.step === d.step ? d.liveAt.live : null) : box.get(0).live;
  if (live) {
    const l = call('live', live);
    if (d.k === 0) post({ type: 'live', live: l });
  }
  const t0 = performance.now();
  call('dpApply', shards);
  const t1 = performance.now();
  d.applyMs += t1 - t0;
  d.step++;
  d.steps++;
  if (d.cycleAt) d.cycleMs += t1 - d.cycleAt;
  d.cycleAt = t1;
  if (d.sumAt === d.step) dpSum();
  if (d.k === 0) {
    if (!W.running) { if (d.wantFinal) dpReport(true); return; }
    if (t1 - d.lastUpdate > 60) { d.lastUpdate = t1; if (!dpReport(false)) return; }
    if (performance.now() - W.lastUnits > 1000) sendUnits();
  }
  // The other workers compute their next shard at once: worker 0's next
  // shard (or its absence, while paused) paces them.
  dpGradient();
}

// dpReport posts worker 0's update (and a snapshot when due, or when
// final: a paused run's last step); it reports whether training goes on.
function dpReport(final) {
  const d = W.dp;
  const u = call('dpUpdate');
  let sn = u.snapshot;
  delete u.snapshot;
  W.examples = u.examples;
  // Where a step's time goes: this worker's gradient and step; the rest
  // is the exchange (messages between the workers, and waiting).
  u.dp = { n: d.n, steps: d.steps, exchangeBytes: d.exchangeBytes, denseBytes: d.denseBytes, gradMs: d.gradMs / Math.max(1, d.steps),
    applyMs: d.applyMs / Math.max(1, d.steps), cycleMs: d.steps ? d.cycleMs / d.steps : 0 };
  d.gradMs = d.applyMs = d.cycleMs = 0; d.steps = 0; d.cycleAt = final ? 0 : performance.now();
  post({ type: 'update', update: u });
  if (final) { d.wantFinal = false; sn = call('snapshot'); }
  if (sn) post({ type: 'snapshot', snapshot: sn, final }, [sn.weights.buffer]);
  if (final) post({ type: 'dpPaused', steps: d.step, examples: u.examples });
  if (u.diverged) { W.running = false; post({ type: 'diverged', update: u }); return false; }
  return true;
}

// dpSum posts the checksum of this worker's weights once it has applied
// the step the page asked about (worker 0's last before a pause).
function dpSum() {
  W.dp.sumAt = -1;
  post(Object.assign({ type: 'weightsSum', steps: W.dp.step }, call('weightsSum')));
}

function sendUnits() {
  if (W.unitsLayer < 0) return;
  const u = call('units', W.unitsLayer, W.unitsMax);
  post({ type: 'units', units: u });
  W.lastUnits = performance.now();
}

// slice runs one training slice and posts its update.
function slice() {
  W.looping = false;
  if (!W.running) return;
  const t0 = performance.now();
  try {
    const u = call('advance', W.slice);
    const sn = u.snapshot;
    delete u.snapshot;
    W.examples = u.examples;
    post({ type: 'update', update: u });
    if (sn) post({ type: 'snapshot', snapshot: sn }, [sn.weights.buffer]);
    if (u.diverged) {
      W.running = false;
      post({ type: 'diverged', update: u });
      return;
    }
    if (performance.now() - W.lastUnits > 1000) sendUnits();
  } catch (err) {
    W.running = false;
    fail('training', err, true);
    return;
  }
  schedule((performance.now() - t0) * (1 / W.duty - 1));
}

// schedule queues the next slice behind any pending message, after idle
// milliseconds: a worker with duty d < 1 rests (1/d − 1) times as long as
// it computed, leaving the cores to the main run. A MessageChannel tick
// is not clamped like setTimeout.
function schedule(idle) {
  if (W.looping || !W.running) return;
  W.looping = true;
  if (idle > 1) setTimeout(() => W.tick.port2.postMessage(0), idle);
  else W.tick.port2.postMessage(0);
}
W.tick.port1.onmessage = slice;

// explore answers one explorer request, then computes the error curve
// against ℓ one point per task, so that a newer request (which bumps
// curveGen) is answered after at most one point.
function explore(msg) {
  const gen = ++W.curveGen;
  const t0 = performance.now();
  let r;
  try { r = call('explore', JSON.stringify(msg.settings)); } catch (err) {
    self.postMessage({ type: 'explored', id: msg.id, error: err.message });
    return;
  }
  r.computedMs = performance.now() - t0;
  self.postMessage({ type: 'explored', id: msg.id, result: r });
  if (!msg.lengths) return;
  let i = 0;
  const next = () => {
    if (gen !== W.curveGen || i >= msg.lengths.length) return;
    const l = msg.lengths[i++];
    let v = null;
    try { v = call('curve', JSON.stringify(msg.settings), l); } catch (_) { v = null; }
    self.postMessage({ type: 'curve', id: msg.id, length: l, error: v });
    setTimeout(next, 0);
  };
  setTimeout(next, 0);
}

// fig4 runs the page's Figure 4 sweep (session.Sweep) in slices, posting
// its progress after each; the page cancels it by ending this worker.
function fig4(msg) {
  const runs = JSON.parse(call('sweepStart', JSON.stringify(msg.params), JSON.stringify(msg.fractions), msg.examples));
  self.postMessage({ type: 'fig4', runs });
  const next = () => {
    let pr;
    try { pr = JSON.parse(call('sweepAdvance', 150)); } catch (err) {
      self.postMessage({ type: 'fig4', error: err.message });
      return;
    }
    self.postMessage({ type: 'fig4', progress: pr });
    if (!pr.done) W.tick.port2.postMessage(0);
  };
  W.tick.port1.onmessage = next;
  W.tick.port2.postMessage(0);
}

// evaluate answers an evaluation request of the page: the snapshot of a
// run whose model is the one this worker holds for that run.
function evaluate(msg) {
  const reply = { type: 'evaluated', run: msg.run, runId: msg.runId, final: !!msg.final };
  if (W.evalRuns[msg.run] !== msg.runId) {
    self.postMessage(Object.assign(reply, { skipped: true }));
    return;
  }
  const t0 = performance.now();
  try {
    const sn = msg.snapshot;
    reply.evaluation = call('evaluate', msg.run, sn.weights, sn.examples, sn.seconds);
  } catch (err) {
    reply.error = err.message;
  }
  reply.ms = performance.now() - t0;
  self.postMessage(reply);
}

function evalModel(msg) {
  delete W.evalRuns[msg.run];
  try {
    call('evaluator', msg.run, JSON.stringify(msg.params), msg.sums);
    W.evalRuns[msg.run] = msg.runId;
  } catch (err) {
    self.postMessage({ type: 'evaluated', run: msg.run, runId: msg.runId, error: err.message });
  }
}

self.onmessage = async (e) => {
  const msg = e.data;
  try {
    switch (msg.type) {
      case 'fetch': await fetchAll(msg); break;
      case 'init': await init(msg); break;
      case 'start': start(msg); break;
      case 'pause':
        W.running = false;
        if (W.dp) call('dpPause');
        post({ type: 'paused' });
        break;
      case 'resume':
        if (!W.started) break;
        W.running = true;
        // A data-parallel worker whose shard is with the page waits for
        // its step; one that paused after a step computes the next.
        if (W.dp) { if (dpQuiet()) dpGradient(); } else schedule();
        post({ type: 'resumed' });
        break;
      case 'weightsSum':
        if (!W.dp) break;
        if (W.dp.step >= msg.steps) dpSum(); else W.dp.sumAt = msg.steps;
        break;
      case 'stop': W.running = false; W.started = false; dpClose(); W.runId = msg.runId || 0; break;
      case 'units':
        W.unitsLayer = msg.layer; W.unitsMax = msg.max || 64;
        if (W.api && msg.layer >= 0) sendUnits();
        break;
      case 'unit': post({ type: 'unit', detail: call('unit', msg.layer, msg.unit) }); break;
      case 'snapshot':
        if (W.dp) {
          // A paused data-parallel run: its last step may still be on the
          // way; the snapshot waits for it (dpTry).
          if (dpQuiet()) dpReport(true); else W.dp.wantFinal = true;
        } else if (W.started) {
          const sn = call('snapshot');
          post({ type: 'snapshot', snapshot: sn, final: true }, [sn.weights.buffer]);
        }
        break;
      case 'model': {
        const b = call('model');
        post({ type: 'model', bytes: b, examples: W.examples }, [b.buffer]);
        break;
      }
      case 'fig4': fig4(msg); break;
      case 'evalModel': evalModel(msg); break;
      case 'evaluate': evaluate(msg); break;
      case 'cell':
        self.postMessage({ type: 'cell', run: msg.run, runId: msg.runId, cell: call('cell', msg.run, msg.t, msg.p, msg.max || 24) });
        break;
      case 'live': {
        // New live settings (session.Apply): worker 0 of a data-parallel
        // run checks them, then carries them on its next shard.
        if (!W.started) break;
        const json = JSON.stringify(msg.params);
        if (W.dp) {
          call('liveCheck', json);
          W.dp.live = json;
        } else post({ type: 'live', live: call('live', json) });
        break;
      }
      case 'predict': {
        const r = call('predict', msg.pixels, msg.w, msg.h);
        post({ type: 'prediction', result: r });
        break;
      }
      case 'describe': {
        let r;
        try { r = { table: JSON.parse(call('describe', JSON.stringify(msg.params))) }; } catch (err) { r = { error: err.message }; }
        self.postMessage({ type: 'described', id: msg.id, result: r });
        break;
      }
      case 'explore': explore(msg); break;
      default: fail('worker', 'unknown message ' + msg.type);
    }
  } catch (err) {
    const stop = msg.type === 'start' || msg.type === 'init';
    if (stop) W.running = false;
    fail(msg.type, err, stop);
  }
};
