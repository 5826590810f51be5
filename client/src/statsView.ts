/**
 * "Strata: Show Cache Statistics": a webview with the whole strata/stats report — an SVG bar chart of
 * memory per tier against its budget, then tables. Static HTML, no scripts (the CSP forbids them);
 * the panel is re-rendered whenever new stats arrive, so it stays live while it is open.
 */
import * as vscode from 'vscode';
import { formatBytes, reportSections, tierRows } from './format.js';
import type { StrataStats } from './stats.js';

function esc(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const TIER_COLORS: Record<string, string> = { hot: '#e0603a', warm: '#e0b03a', cold: '#3a8ee0' };

/** Horizontal bars: used bytes over a track that stands for the budget (or the largest tier). */
function tierChartSvg(s: StrataStats): string {
  const rows = tierRows(s);
  const scale = Math.max(1, ...rows.map((r) => Math.max(r.bytes, r.budget ?? 0)));
  const width = 420, barX = 60, barW = 240, rowH = 28;
  const parts = rows.map((r, i) => {
    const y = 10 + i * rowH;
    const track = ((r.budget ?? scale) / scale) * barW;
    const used = Math.min(r.bytes / scale, 1) * barW;
    const label = r.budget === undefined ? formatBytes(r.bytes) : `${formatBytes(r.bytes)} / ${formatBytes(r.budget)}`;
    return [
      `<text x="0" y="${y + 14}" class="lbl">${esc(r.tier)}</text>`,
      `<rect x="${barX}" y="${y}" width="${track.toFixed(1)}" height="18" class="track"/>`,
      `<rect x="${barX}" y="${y}" width="${used.toFixed(1)}" height="18" fill="${TIER_COLORS[r.tier]}">`
        + `<title>${esc(label)}</title></rect>`,
      `<text x="${barX + barW + 8}" y="${y + 14}" class="val">${esc(label)}</text>`,
    ].join('');
  });
  const height = 10 + rows.length * rowH;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}"`
    + ` role="img" aria-label="memory per tier">${parts.join('')}</svg>`;
}

function statsHtml(s: StrataStats | undefined, error: string | undefined): string {
  const csp = `default-src 'none'; style-src 'unsafe-inline';`;
  let body: string;
  if (!s) {
    body = `<p class="err">No statistics: ${esc(error ?? 'the server has not answered yet')}.</p>`;
  } else {
    const tiers = tierRows(s).map((r) =>
      `<tr><td>${esc(r.tier)}</td><td>${r.files}</td><td>${esc(formatBytes(r.bytes))}</td>`
        + `<td>${r.budget === undefined ? '–' : esc(`${formatBytes(r.budget)} (${r.percent}%)`)}</td></tr>`).join('');
    const sections = reportSections(s).filter((sec) => sec.rows.length > 0).map((sec) =>
      `<section><h2>${esc(sec.title)}</h2><table>`
        + `${sec.rows.map(([k, v]) => `<tr><th>${esc(k)}</th><td>${esc(v)}</td></tr>`).join('')}`
        + '</table></section>').join('');
    body = `<h2>Memory per tier</h2>${tierChartSvg(s)}
<table class="tiers"><tr><th>tier</th><th>files</th><th>bytes</th><th>budget</th></tr>${tiers}</table>
<div class="grid">${sections}</div>
${error ? `<p class="err">Last refresh failed: ${esc(error)}</p>` : ''}
<details><summary>raw strata/stats</summary><pre id="raw">${esc(JSON.stringify(s, null, 2))}</pre></details>`;
  }
  return `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<style>
body { font-family: var(--vscode-font-family); color: var(--vscode-foreground); padding: 0 1em; }
h1 { font-size: 1.3em; } h2 { font-size: 1.05em; margin: 1em 0 .3em; }
table { border-collapse: collapse; } th, td { text-align: left; padding: 1px 12px 1px 0; }
td { font-variant-numeric: tabular-nums; } th { font-weight: normal; opacity: .75; }
.grid { display: flex; flex-wrap: wrap; gap: 0 2.5em; }
.track { fill: var(--vscode-editorWidget-border, #8884); }
svg text { fill: var(--vscode-foreground); font-size: 12px; }
.err { color: var(--vscode-errorForeground); }
</style><title>Strata cache</title></head>
<body><h1>Strata cache statistics</h1>${body}</body></html>`;
}

/** Owns at most one statistics panel and re-renders it on demand. */
export class StatsView implements vscode.Disposable {
  private panel: vscode.WebviewPanel | undefined;

  show(s: StrataStats | undefined, error: string | undefined): void {
    if (!this.panel) {
      this.panel = vscode.window.createWebviewPanel('strata.stats', 'Strata Cache', vscode.ViewColumn.Active,
        { enableScripts: false, retainContextWhenHidden: false });
      this.panel.onDidDispose(() => { this.panel = undefined; });
    } else {
      this.panel.reveal();
    }
    this.panel.webview.html = statsHtml(s, error);
  }

  /** New numbers arrived: refresh the panel if it is open, never open it. */
  update(s: StrataStats | undefined, error: string | undefined): void {
    if (this.panel) this.panel.webview.html = statsHtml(s, error);
  }

  dispose(): void {
    this.panel?.dispose();
  }
}
