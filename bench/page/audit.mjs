// audit.mjs runs Lighthouse (mobile and desktop) against the page and
// prints its category scores and cumulative layout shift, the
// performance metrics (FCP, LCP, TBT, speed index) and where the main
// thread's time goes (by category, and by script), so that a score can
// be traced to its cause.
//
//	node bench/page/audit.mjs http://localhost:8080/
//	RUNS=5 PRESETS=mobile node bench/page/audit.mjs URL   # 5 runs, medians
//
// It needs Debian's chromium (CHROME_PATH overrides /usr/bin/chromium).
// axe-core runs from the browser test instead (go test ./wasm/browser
// -run TestAxe), which injects bench/page/node_modules/axe-core.
import lighthouse from 'lighthouse';
import * as chromeLauncher from 'chrome-launcher';

const url = process.argv[2];
if (!url) {
  console.error('usage: node bench/page/audit.mjs URL');
  process.exit(2);
}
const chrome = await chromeLauncher.launch({
  chromePath: process.env.CHROME_PATH || '/usr/bin/chromium',
  chromeFlags: ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
});
const runs = Math.max(1, Number(process.env.RUNS) || 1);
const presets = (process.env.PRESETS || 'mobile,desktop').split(',');
const median = (xs) => { const v = [...xs].sort((a, b) => a - b); return v[Math.floor((v.length - 1) / 2)]; };
const ms = (v) => `${Math.round(v)} ms`;
try {
  for (const preset of presets) {
    const config = preset === 'desktop' ? (await import('lighthouse/core/config/desktop-config.js')).default : undefined;
    const all = [];
    for (let i = 0; i < runs; i++) {
      const r = await lighthouse(url, { port: chrome.port, output: 'json', logLevel: 'error',
        onlyCategories: ['performance', 'accessibility', 'best-practices', 'seo'] }, config);
      const lhr = r.lhr;
      const a = lhr.audits;
      const s = Object.fromEntries(Object.entries(lhr.categories).map(([k, c]) => [k, Math.round(c.score * 100)]));
      s.cls = a['cumulative-layout-shift'].numericValue;
      for (const [k, id] of [['fcp', 'first-contentful-paint'], ['lcp', 'largest-contentful-paint'], ['tbt', 'total-blocking-time'], ['si', 'speed-index']]) s[k] = a[id].numericValue;
      s.failed = Object.values(a).filter((x) => x.score !== null && x.score < 1 && x.scoreDisplayMode === 'binary').map((x) => x.id);
      const items = (id) => (a[id] && a[id].details && a[id].details.items) || [];
      s.work = items('mainthread-work-breakdown').slice(0, 4).map((x) => `${x.groupLabel} ${ms(x.duration)}`);
      s.scripts = items('bootup-time').slice(0, 3).map((x) => `${x.url.replace(/^https?:\/\/[^/]+/, '')} ${ms(x.total)} (parse ${ms(x.scriptParseCompile)})`);
      s.long = items('long-tasks').slice(0, 5).map((x) => `${x.url.replace(/^https?:\/\/[^/]+/, '')} ${ms(x.duration)} at ${ms(x.startTime)}`);
      s.blocking = items('render-blocking-resources').map((x) => `${x.url.replace(/^https?:\/\/[^/]+/, '')} ${ms(x.wastedMs)}`);
      all.push(s);
      console.log(`${preset}: performance ${s.performance}, accessibility ${s.accessibility}, best practices ${s['best-practices']}, SEO ${s.seo}, CLS ${s.cls.toFixed(3)}; ` +
        `FCP ${ms(s.fcp)}, LCP ${ms(s.lcp)}, TBT ${ms(s.tbt)}, SI ${ms(s.si)}; failed: ${s.failed.join(', ') || 'none'}`);
      console.log(`  main thread: ${s.work.join(', ')}; scripts: ${s.scripts.join(', ') || 'none'}; render-blocking: ${s.blocking.join(', ') || 'none'}`);
      console.log(`  long tasks: ${s.long.join(', ') || 'none'}`);
    }
    if (runs > 1) {
      const m = (k) => median(all.map((s) => s[k]));
      console.log(`${preset}, median of ${runs}: performance ${m('performance')} (${Math.min(...all.map((s) => s.performance))}–${Math.max(...all.map((s) => s.performance))}), ` +
        `FCP ${ms(m('fcp'))}, LCP ${ms(m('lcp'))}, TBT ${ms(m('tbt'))}, SI ${ms(m('si'))}`);
    }
  }
} finally {
  await chrome.kill();
}
