// trace.mjs loads the page in headless Chromium (a phone's viewport, no
// throttling) with a DevTools trace and the V8 CPU profiler on, and prints
// what the page's main thread did in every task over MIN ms (default 15):
// the trace events that took time (style, layout and what forced it,
// paint, commit, wasm, postMessage) and the JS functions that the
// profiler sampled in it. Lighthouse's own trace has no profiler samples,
// so its long tasks often say only "Unattributable".
//
//	node bench/page/trace.mjs http://localhost:8080/ [trace.json]
//	MIN=30 WAIT=8000 node bench/page/trace.mjs URL
//
// Times are observed, after navigationStart; Lighthouse's mobile preset
// simulates a CPU 4× slower, so a task counts as long there from about
// 12 ms here. puppeteer-core comes with lighthouse (npm ci in bench/page).
import puppeteer from 'puppeteer-core';
import fs from 'fs';

const [url, out] = process.argv.slice(2);
if (!url) {
  console.error('usage: node bench/page/trace.mjs URL [trace.json]');
  process.exit(2);
}
const min = Number(process.env.MIN || 15) * 1000;
const file = out || '/tmp/predparams-trace.json';
const browser = await puppeteer.launch({ executablePath: process.env.CHROME_PATH || '/usr/bin/chromium', headless: 'new',
  args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
try {
  const page = await browser.newPage();
  await page.setViewport({ width: 412, height: 823, deviceScaleFactor: 1.75, isMobile: true, hasTouch: true });
  await page.tracing.start({ path: file, categories: ['devtools.timeline', 'disabled-by-default-devtools.timeline', 'disabled-by-default-devtools.timeline.stack',
    'v8', 'v8.execute', 'v8.wasm', 'disabled-by-default-v8.cpu_profiler', 'toplevel', 'blink', 'blink.user_timing', 'loading'] });
  await page.goto(url, { waitUntil: 'load' });
  await new Promise((r) => setTimeout(r, Number(process.env.WAIT || 6000)));
  await page.tracing.stop();
} finally {
  await browser.close();
}

const events = JSON.parse(fs.readFileSync(file, 'utf8')).traceEvents;
const nav = events.find((e) => e.name === 'navigationStart' && /^http/.test((e.args.data || {}).documentLoaderURL || ''));
const onMain = events.filter((e) => e.pid === nav.pid && e.tid === nav.tid && e.ph === 'X' && e.dur).sort((a, b) => a.ts - b.ts || b.dur - a.dur);
const ms = (us) => (us / 1000).toFixed(1);
const within = (e, t) => e.ts >= t.ts && e.ts + e.dur <= t.ts + t.dur;
const label = (e) => {
  const d = (e.args && (e.args.data || e.args.beginData)) || {};
  let s = e.name;
  if (d.functionName || d.url) s += ` ${d.functionName || ''}@${(d.url || '').replace(/^.*\//, '')}:${d.lineNumber ?? ''}`;
  if (d.stackTrace && d.stackTrace.length) s += ' from ' + d.stackTrace.slice(0, 2).map((f) => `${f.functionName}:${f.lineNumber}`).join(' < ');
  return s;
};

// The profiler's samples on the main thread: [time, function] pairs.
const samples = [];
const profiles = {};
for (const e of events) {
  if (e.name === 'Profile' && e.pid === nav.pid && e.tid === nav.tid) profiles[e.id] = { t: e.args.data.startTime, nodes: {} };
  // The chunks come from the profiler's thread, with the profile's id.
  if (e.name !== 'ProfileChunk' || e.pid !== nav.pid || !profiles[e.id]) continue;
  const p = profiles[e.id], d = e.args.data, cp = d.cpuProfile || {};
  for (const n of cp.nodes || []) p.nodes[n.id] = n;
  (cp.samples || []).forEach((id, i) => {
    p.t += d.timeDeltas[i];
    const f = p.nodes[id].callFrame;
    if (f.functionName !== '(idle)') samples.push([p.t, f.url ? `${f.functionName || '(anonymous)'} ${f.url.replace(/^.*\//, '')}:${f.lineNumber + 1}` : f.functionName]);
  });
}

for (const t of onMain.filter((e) => (e.name === 'RunTask' || e.name === 'ThreadControllerImpl::RunTask') && e.dur >= min)) {
  if (onMain.some((o) => o !== t && o.name === 'RunTask' && o.dur > t.dur && within(t, o))) continue; // nested task
  console.log(`task at ${ms(t.ts - nav.ts)} ms: ${ms(t.dur)} ms`);
  // The events inside it with their self time, largest first.
  const inside = onMain.filter((e) => e !== t && within(e, t) && !/RunTask|v8.callFunction|AsyncTask/.test(e.name));
  const self = inside.map((e) => [e, e.dur - inside.filter((c) => c !== e && within(c, e) && !inside.some((m) => m !== c && m !== e && within(c, m) && within(m, e))).reduce((a, c) => a + c.dur, 0)]);
  for (const [e, s] of self.filter(([, s]) => s >= 2000).sort((a, b) => b[1] - a[1]).slice(0, 8)) console.log(`  ${ms(s).padStart(6)} ms  ${label(e)}`);
  // The JS functions sampled in it.
  const by = {};
  for (const [ts, f] of samples) if (ts >= t.ts && ts <= t.ts + t.dur) by[f] = (by[f] || 0) + 1;
  const top = Object.entries(by).sort((a, b) => b[1] - a[1]).slice(0, 6);
  if (top.length) console.log('  JS samples: ' + top.map(([f, n]) => `${f} ×${n}`).join(', '));
}
console.log(`trace in ${file}`);
