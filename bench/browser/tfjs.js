// tfjs.js trains a dense 784-256-10 MLP with TensorFlow.js on the page's
// own data files, with the schedule the demonstrator uses, and keeps
// window.benchState for bench/browser to read. Query parameters:
//   backend=wasm|cpu  the TF.js backend
//   mode=train        train and evaluate until stopped (accuracy against time)
//   mode=speed&steps=N  time N training steps only (throughput)
//   hidden=256, batch=64, lr=0.003
'use strict';

const Q = new URLSearchParams(location.search);
const cfg = {
  backend: Q.get('backend') || 'wasm',
  mode: Q.get('mode') || 'train',
  steps: Number(Q.get('steps') || 200),
  hidden: Number(Q.get('hidden') || 256),
  batch: Number(Q.get('batch') || 64),
  lr: Number(Q.get('lr') || 0.003),
  data: Q.get('data') || '/data/',
};
const S = {
  ready: false, running: false, examplesSeen: 0, seconds: 0, testAccuracy: null, evaluatedAt: null,
  evaluatedSeconds: null, examplesPerS: 0, error: null, backend: null, simd: null, threads: null, log: [],
};
window.benchState = S;

async function gunzip(url) {
  const r = await fetch(url);
  if (!r.ok) throw new Error(url + ': HTTP ' + r.status);
  const ds = new DecompressionStream('gzip');
  return new Uint8Array(await new Response(r.body.pipeThrough(ds)).arrayBuffer());
}

// idx decodes IDX images (to [0,1] floats) or labels, as the Go side does.
function images(b) {
  const n = new DataView(b.buffer).getUint32(4);
  const x = new Float32Array(n * 784);
  for (let i = 0; i < x.length; i++) x[i] = b[16 + i] / 255;
  return { n, x };
}
function labels(b) { return b.subarray(8); }

// shuffle returns a permutation of [0, n) from a small seeded generator.
function shuffle(n, seed) {
  let s = seed >>> 0 || 1;
  const rnd = () => { s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0; return s / 4294967296; };
  const p = new Int32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  for (let i = n - 1; i > 0; i--) { const j = Math.floor(rnd() * (i + 1)); const t = p[i]; p[i] = p[j]; p[j] = t; }
  return p;
}

async function main() {
  if (cfg.backend === 'wasm') {
    tf.wasm.setWasmPaths('node_modules/@tensorflow/tfjs-backend-wasm/dist/');
  }
  await tf.setBackend(cfg.backend);
  await tf.ready();
  S.backend = tf.getBackend();
  if (cfg.backend === 'wasm') {
    S.simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
    S.threads = await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT');
  }
  const [ti, tl, vi, vl] = await Promise.all(['train-images', 'train-labels', 'test-images', 'test-labels']
    .map((f) => gunzip(cfg.data + f + '.idx.gz')));
  const train = images(ti), test = images(vi);
  const ty = labels(tl), vy = labels(vl);
  const model = tf.sequential({ layers: [
    tf.layers.dense({ inputShape: [784], units: cfg.hidden, activation: 'relu', kernelInitializer: 'heUniform' }),
    tf.layers.dense({ units: 10, kernelInitializer: 'glorotUniform' }),
  ] });
  const opt = tf.train.adam(cfg.lr);
  const B = cfg.batch;
  const xb = new Float32Array(B * 784);
  const yb = new Int32Array(B);
  let perm = shuffle(train.n, 1), epoch = 0, pos = 0;

  function step() {
    const n = Math.min(B, train.n - pos);
    for (let i = 0; i < n; i++) {
      const k = perm[pos + i];
      xb.set(train.x.subarray(k * 784, (k + 1) * 784), i * 784);
      yb[i] = ty[k];
    }
    tf.tidy(() => {
      const x = tf.tensor2d(xb.subarray(0, n * 784), [n, 784]);
      const y = tf.oneHot(tf.tensor1d(yb.subarray(0, n), 'int32'), 10);
      opt.minimize(() => tf.losses.softmaxCrossEntropy(y, model.apply(x)));
    });
    // The demonstrator's schedule: the rate halves every 50,000 examples.
    S.examplesSeen += n;
    opt.learningRate = Math.max(cfg.lr / 20, cfg.lr * Math.pow(0.5, S.examplesSeen / 50000));
    pos += n;
    if (pos >= train.n) { pos = 0; epoch++; perm = shuffle(train.n, epoch + 1); return true; }
    return false;
  }

  function evaluate() {
    let right = 0;
    for (let s = 0; s < test.n; s += 1000) {
      const n = Math.min(1000, test.n - s);
      const pred = tf.tidy(() => model.predict(tf.tensor2d(test.x.subarray(s * 784, (s + n) * 784), [n, 784])).argMax(1));
      const p = pred.dataSync();
      pred.dispose();
      for (let i = 0; i < n; i++) if (p[i] === vy[s + i]) right++;
    }
    return right / test.n;
  }

  S.ready = true;
  await new Promise((resolve) => { window.benchGo = resolve; });
  S.running = true;
  const t0 = performance.now();
  if (cfg.mode === 'speed') {
    for (let i = 0; i < 5; i++) step(); // warm up
    const s0 = S.examplesSeen, w0 = performance.now();
    for (let i = 0; i < cfg.steps; i++) {
      step();
      if (i % 10 === 9) await new Promise((r) => setTimeout(r, 0));
    }
    // the last step's update is complete once its weights can be read
    model.layers[0].getWeights()[0].dataSync();
    S.examplesPerS = (S.examplesSeen - s0) / ((performance.now() - w0) / 1000);
    S.running = false;
    return;
  }
  let lastEval = 0, evalCost = 0, trainTime = 0, trainEx = 0;
  for (;;) {
    const sliceEnd = performance.now() + 50;
    while (performance.now() < sliceEnd) {
      const now = (performance.now() - t0) / 1000;
      if (now - lastEval >= Math.max(3, 5 * evalCost)) {
        const e0 = performance.now();
        S.testAccuracy = evaluate();
        evalCost = (performance.now() - e0) / 1000;
        lastEval = (performance.now() - t0) / 1000;
        S.evaluatedAt = S.examplesSeen; S.evaluatedSeconds = lastEval;
        S.log.push([lastEval, S.examplesSeen, S.testAccuracy]);
        continue;
      }
      const w0 = performance.now();
      const epochEnd = step();
      trainTime += performance.now() - w0; trainEx += B;
      if (epochEnd) {
        const e0 = performance.now();
        S.testAccuracy = evaluate();
        evalCost = (performance.now() - e0) / 1000;
        lastEval = (performance.now() - t0) / 1000;
        S.evaluatedAt = S.examplesSeen; S.evaluatedSeconds = lastEval;
        S.log.push([lastEval, S.examplesSeen, S.testAccuracy]);
      }
    }
    S.seconds = (performance.now() - t0) / 1000;
    S.examplesPerS = trainEx / (trainTime / 1000);
    await new Promise((r) => setTimeout(r, 0));
  }
}

main().catch((err) => { S.error = String(err && err.message ? err.message : err); });
