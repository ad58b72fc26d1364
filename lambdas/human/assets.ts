/**
 * The page's static assets: uPlot (a small charting library) from its npm package, the page's
 * stylesheet and the script that draws the charts from the page's embedded data.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

const PAGE_CSS = `
:root { color-scheme: light dark; --fg: #1b1f23; --bg: #fbfbf8; --muted: #5f6b76; --card: #ffffff; --line: #d8dde3; --accent: #0b6bcb; --ok: #1a7f37; --bad: #c62828; }
@media (prefers-color-scheme: dark) { :root { --fg: #e6e6e3; --bg: #15181c; --muted: #9aa5b1; --card: #1d2127; --line: #333a42; --accent: #6cb6ff; --ok: #57c26a; --bad: #ff7b72; } }
* { box-sizing: border-box; }
body { margin: 0; font: 16px/1.5 system-ui, sans-serif; color: var(--fg); background: var(--bg); }
main, header.top { max-width: 70rem; margin: 0 auto; padding: 1rem 1.5rem; }
main.narrow { max-width: 26rem; margin-top: 10vh; }
header.top { display: flex; flex-wrap: wrap; gap: 0 1.5rem; align-items: baseline; border-bottom: 1px solid var(--line); }
header.top h1 { margin: 0; font-size: 1.4rem; }
header.top p { margin: 0; color: var(--muted); flex: 1; }
h2 { font-size: 1.15rem; margin-top: 2rem; }
code { font-size: 0.85em; }
label { display: block; margin: 0.4rem 0; }
input, textarea, button { font: inherit; }
input[type=number] { width: 4.5rem; margin-left: 0.3rem; }
input[type=password], textarea { width: 100%; padding: 0.4rem; }
button { background: var(--accent); color: #fff; border: 0; border-radius: 6px; padding: 0.45rem 1rem; cursor: pointer; }
button.quiet { background: transparent; color: var(--accent); border: 1px solid var(--line); }
button:focus-visible, input:focus-visible, textarea:focus-visible { outline: 3px solid var(--accent); outline-offset: 2px; }
.prompt { background: var(--card); border: 1px solid var(--line); border-radius: 10px; padding: 1rem 1.25rem; margin: 1rem 0; }
.prompt header { display: flex; justify-content: space-between; align-items: baseline; }
.prompt h3 { margin: 0; font-size: 1rem; }
.prompt .bid { font-weight: 600; }
.prompt .content { white-space: pre-wrap; font-size: 1.05rem; }
fieldset { border: 1px solid var(--line); border-radius: 6px; display: flex; flex-wrap: wrap; gap: 1rem; }
fieldset label { display: inline-block; margin: 0; }
.badge { padding: 0.1rem 0.5rem; border-radius: 999px; font-weight: 600; }
.badge.ok { color: var(--ok); border: 1px solid var(--ok); }
.badge.bad { color: var(--bad); border: 1px solid var(--bad); }
.error { color: var(--bad); }
.flash { background: var(--card); border-left: 4px solid var(--ok); padding: 0.5rem 1rem; }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(30rem, 1fr)); gap: 1rem; }
figure { margin: 0; background: var(--card); border: 1px solid var(--line); border-radius: 10px; padding: 0.75rem; overflow: hidden; }
figcaption { color: var(--muted); font-size: 0.9rem; }
.tree, .tree ul { list-style: none; padding-left: 1.25rem; border-left: 1px dashed var(--line); }
.tree { border-left: 0; padding-left: 0; }
.agent.dead { color: var(--muted); text-decoration: line-through; }
.running { color: var(--ok); }
table { border-collapse: collapse; width: 100%; font-size: 0.9rem; }
th, td { text-align: left; padding: 0.3rem 0.5rem; border-bottom: 1px solid var(--line); }
.num { text-align: right; font-variant-numeric: tabular-nums; }
`;

const DASHBOARD_JS = `
(function () {
  var data = JSON.parse(document.getElementById('market-data').textContent || '[]');
  var resources = ['vcpu', 'memoryMiB', 'tokens', 'attention'];
  var colours = { vcpu: '#0b6bcb', memoryMiB: '#8250df', tokens: '#bf8700', attention: '#1a7f37' };
  function chart(id, field, log) {
    var el = document.getElementById(id);
    if (!el || typeof uPlot === 'undefined') return;
    if (data.length === 0) { el.textContent = 'No rounds yet.'; return; }
    var xs = data.map(function (d) { return d.round; });
    var series = [{ label: 'round' }].concat(resources.map(function (r) { return { label: r, stroke: colours[r], width: 2 }; }));
    // Prices are stored in pico-credits and span many orders of magnitude: the chart shows
    // log10 of credits, labelled as powers of ten.
    var ys = resources.map(function (r) { return data.map(function (d) { return log ? Math.log10(d[field][r] / 1e12) : d[field][r]; }); });
    var y = log ? { values: function (u, vals) { return vals.map(function (v) { return '1e' + v.toFixed(1).replace('.0', ''); }); }, size: 56 } : {};
    new uPlot({ width: Math.max(300, el.clientWidth || 480), height: 220, series: series,
      axes: [{ incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000] }, y],
      scales: { x: { time: false }, y: log ? {} : { range: [0, 1] } } }, [xs].concat(ys), el);
  }
  chart('chart-utilisation', 'utilisation', false);
  chart('chart-reserve', 'reserve', true);
})();
`;

export interface Asset {
  type: string;
  body: string;
}

let uplot: { js: string; css: string } | undefined;
const uplotFiles = () =>
  (uplot ??= {
    js: readFileSync(require.resolve('uplot/dist/uPlot.iife.min.js'), 'utf8'),
    css: readFileSync(require.resolve('uplot/dist/uPlot.min.css'), 'utf8'),
  });

export function asset(name: string): Asset | undefined {
  switch (name) {
    case 'page.css':
      return { type: 'text/css; charset=utf-8', body: PAGE_CSS };
    case 'dashboard.js':
      return { type: 'text/javascript; charset=utf-8', body: DASHBOARD_JS };
    case 'uPlot.iife.min.js':
      return { type: 'text/javascript; charset=utf-8', body: uplotFiles().js };
    case 'uPlot.min.css':
      return { type: 'text/css; charset=utf-8', body: uplotFiles().css };
    default:
      return undefined;
  }
}
