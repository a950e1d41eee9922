// audit.mjs runs Lighthouse (mobile and desktop) against the page and
// prints its category scores and cumulative layout shift.
//
//	node bench/page/audit.mjs http://localhost:8080/
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
const out = {};
try {
  for (const preset of ['mobile', 'desktop']) {
    const config = preset === 'desktop' ? (await import('lighthouse/core/config/desktop-config.js')).default : undefined;
    const r = await lighthouse(url, { port: chrome.port, output: 'json', logLevel: 'error',
      onlyCategories: ['performance', 'accessibility', 'best-practices', 'seo'] }, config);
    const lhr = r.lhr;
    const s = Object.fromEntries(Object.entries(lhr.categories).map(([k, c]) => [k, Math.round(c.score * 100)]));
    s.cls = lhr.audits['cumulative-layout-shift'].numericValue;
    s.failed = Object.values(lhr.audits).filter((a) => a.score !== null && a.score < 1 && a.scoreDisplayMode === 'binary').map((a) => a.id);
    out[preset] = s;
    console.log(`${preset}: performance ${s.performance}, accessibility ${s.accessibility}, best practices ${s['best-practices']}, SEO ${s.seo}, CLS ${s.cls.toFixed(3)}; failed: ${s.failed.join(', ') || 'none'}`);
  }
} finally {
  await chrome.kill();
}
