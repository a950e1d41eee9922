// worker.js runs one wasm instance of the engine in a Web Worker, so that
// training never blocks the page. The page sends control messages; the
// worker trains in time slices and posts one update per slice. Every
// crossing into Go is one call per slice or per request, with typed arrays.
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
  tick: new MessageChannel(),
};

function post(msg) { self.postMessage(msg); }

// WHERE words the step that failed for the page's message.
const WHERE = {
  init: 'The training engine could not start',
  start: 'This model cannot be built',
  training: 'Training stopped',
  engine: 'The training engine stopped',
  units: 'The unit images are not available',
  unit: 'This unit cannot be shown',
  predict: 'The drawing cannot be read',
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

async function init(msg) {
  const go = new Go();
  const ready = new Promise((resolve) => { globalThis.predparamsReady = resolve; });
  const inst = await WebAssembly.instantiate(msg.module, go.importObject);
  go.run(inst).then(() => fail('engine', 'the wasm instance exited', true));
  await ready;
  W.api = globalThis.predparams;
  const d = msg.data.map((b) => new Uint8Array(b));
  const r = call('load', d[0], d[1], d[2], d[3]);
  post({ type: 'ready', train: r.train, test: r.test });
}

function start(msg) {
  W.running = false;
  W.started = false;
  const r = call('start', JSON.stringify(msg.params));
  W.started = true;
  post({ type: 'started', table: JSON.parse(r.table), trainN: r.trainN, testN: r.testN });
  W.lastUnits = 0;
  W.duty = Math.min(1, Math.max(0.1, msg.duty || 1));
  W.running = true;
  schedule();
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
    post({ type: 'update', update: u });
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

self.onmessage = async (e) => {
  const msg = e.data;
  try {
    switch (msg.type) {
      case 'init': await init(msg); break;
      case 'start': start(msg); break;
      case 'pause': W.running = false; post({ type: 'paused' }); break;
      case 'resume':
        if (W.started) { W.running = true; schedule(); post({ type: 'resumed' }); }
        break;
      case 'stop': W.running = false; W.started = false; break;
      case 'units':
        W.unitsLayer = msg.layer; W.unitsMax = msg.max || 64;
        if (W.api && msg.layer >= 0) sendUnits();
        break;
      case 'unit': post({ type: 'unit', detail: call('unit', msg.layer, msg.unit) }); break;
      case 'predict': {
        const r = call('predict', msg.pixels, msg.w, msg.h);
        post({ type: 'prediction', result: r });
        break;
      }
      default: fail('worker', 'unknown message ' + msg.type);
    }
  } catch (err) {
    const stop = msg.type === 'start' || msg.type === 'init';
    if (stop) W.running = false;
    fail(msg.type, err, stop);
  }
};
