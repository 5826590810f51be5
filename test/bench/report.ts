/**
 * The benchmark report: `bench-out/report.json` (everything, for tools), `bench-out/report.md`
 * (per section a metrics table — metric, value, unit, target, met/missed — and its tables) and
 * `bench-out/report.svg` (each section's charts, drawn by hand: horizontal bars for bar charts,
 * polylines for line charts, every bar labelled with its value and unit). The report also records
 * the machine (cores, CPU, memory, Node, date), because the figures mean little without it.
 * Pure rendering: no measuring happens here.
 */
import { cpus, totalmem, hostname, platform, release } from 'node:os';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BenchSection, Chart, Metric } from './types.js';

export interface MachineFacts {
  cores: number;
  cpuModel: string;
  memoryBytes: number;
  node: string;
  platform: string;
  hostname: string;
  date: string;
}

export interface BenchReport {
  machine: MachineFacts;
  corpus: { plan: string; sets: number; files: number; bytes: number; buildMs?: number; kernel?: string };
  sections: BenchSection[];
  /** Sections expected but not present (not written yet), by id. */
  missing: string[];
  /** Sections that threw, with the message. */
  errors: { id: string; message: string }[];
  elapsedMs: number;
}

export function machineFacts(): MachineFacts {
  const c = cpus();
  return {
    cores: c.length, cpuModel: c[0]?.model.trim() ?? '?', memoryBytes: totalmem(), node: process.version,
    platform: `${platform()} ${release()}`, hostname: hostname(), date: new Date().toISOString(),
  };
}

/** true/false when the metric has a target, undefined otherwise. */
export function targetMet(m: Metric): boolean | undefined {
  if (!m.target) return undefined;
  return m.target.op === '>=' ? m.value >= m.target.value : m.value <= m.target.value;
}

/** A number as people read it: integers with thousands separators, others with 3 significant digits. */
export function formatValue(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (Number.isInteger(v)) return v.toLocaleString('en-US');
  const abs = Math.abs(v);
  return abs >= 100 ? v.toFixed(0) : abs >= 1 ? v.toPrecision(3) : v.toPrecision(2);
}

const cell = (v: string | number) => String(typeof v === 'number' ? formatValue(v) : v).replace(/\|/g, '\\|').replace(/\n/g, ' ');

function mdTable(columns: string[], rows: (string | number)[][]): string {
  return [`| ${columns.map(cell).join(' | ')} |`, `|${columns.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.map(cell).join(' | ')} |`)].join('\n');
}

export function renderMarkdown(r: BenchReport): string {
  const m = r.machine;
  const out = [
    '# Strata benchmark report', '',
    `${m.date} · ${m.cores} cores (${m.cpuModel}) · ${(m.memoryBytes / 2 ** 30).toFixed(1)} GiB · Node ${m.node} · ${m.platform}`, '',
    `Corpus: ${r.corpus.plan} plan, ${r.corpus.sets} sets, ${r.corpus.files.toLocaleString('en-US')} files, ${(r.corpus.bytes / 2 ** 20).toFixed(1)} MB. Run took ${(r.elapsedMs / 1000).toFixed(1)} s.`, '',
  ];
  if (r.corpus.kernel) out.push(`Kernel tree: ${r.corpus.kernel}.`, '');
  if (r.missing.length > 0) out.push(`Sections not present (not written yet): ${r.missing.join(', ')}.`, '');
  for (const e of r.errors) out.push(`**Section ${e.id} failed:** ${e.message}`, '');
  for (const s of r.sections) {
    out.push(`## ${s.title} (\`${s.id}\`)`, '');
    if (s.metrics.length > 0) {
      out.push(mdTable(['metric', 'value', 'unit', 'target', 'met'], s.metrics.map((x) => {
        const met = targetMet(x);
        return [x.note ? `${x.name} — ${x.note}` : x.name, x.value, x.unit, x.target ? `${x.target.op} ${formatValue(x.target.value)}` : '',
          met === undefined ? '' : met ? 'met' : 'missed'];
      })), '');
    }
    for (const t of s.tables ?? []) out.push(`### ${t.title}`, '', mdTable(t.columns, t.rows), '');
    if ((s.charts ?? []).length > 0) out.push(`Charts: ${s.charts!.map((c) => c.title).join('; ')} (report.svg).`, '');
  }
  return `${out.join('\n')}\n`;
}

const PALETTE = ['#3b6fb6', '#d9822b', '#3a9a5b', '#b8434b', '#7a5aa6', '#6b6b6b'];
const W = 960;
const LABEL_W = 260;
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** One chart as SVG elements placed at vertical offset `y`; returns the elements and the height used. */
function chartSvg(section: string, c: Chart, y: number): { svg: string; height: number } {
  const parts: string[] = [];
  parts.push(`<text x="16" y="${y + 22}" font-size="16" font-weight="bold">${esc(`${section}: ${c.title}`)} (${esc(c.unit)})</text>`);
  let h = 36;
  // Legend when there are several series.
  if (c.series.length > 1) {
    c.series.forEach((s, i) => {
      const lx = 16 + i * 180;
      parts.push(`<rect x="${lx}" y="${y + h}" width="12" height="12" fill="${PALETTE[i % PALETTE.length]}"/><text x="${lx + 18}" y="${y + h + 11}" font-size="12">${esc(s.name)}</text>`);
    });
    h += 22;
  }
  const all = c.series.flatMap((s) => s.points.map((p) => p.y));
  const max = Math.max(1e-12, ...all.map((v) => Math.abs(v)));
  const plotW = W - LABEL_W - 140;
  if (c.kind === 'bar') {
    const xs = [...new Set(c.series.flatMap((s) => s.points.map((p) => String(p.x))))];
    const barH = 16;
    for (const x of xs) {
      parts.push(`<text x="${LABEL_W - 8}" y="${y + h + 12}" font-size="12" text-anchor="end">${esc(x)}</text>`);
      c.series.forEach((s, i) => {
        const p = s.points.find((q) => String(q.x) === x);
        if (!p) return;
        const w = Math.max(1, (Math.abs(p.y) / max) * plotW);
        parts.push(`<rect x="${LABEL_W}" y="${y + h}" width="${w.toFixed(1)}" height="${barH - 2}" fill="${PALETTE[i % PALETTE.length]}"><title>${esc(`${s.name} ${x}: ${formatValue(p.y)} ${c.unit}`)}</title></rect>`);
        parts.push(`<text x="${(LABEL_W + w + 6).toFixed(1)}" y="${y + h + 12}" font-size="12">${esc(`${formatValue(p.y)} ${c.unit}`)}</text>`);
        h += barH;
      });
      h += 6;
    }
  } else {
    const plotH = 180;
    const xs = [...new Set(c.series.flatMap((s) => s.points.map((p) => String(p.x))))];
    const px = (x: string | number) => LABEL_W + (xs.length <= 1 ? 0 : (xs.indexOf(String(x)) / (xs.length - 1)) * plotW);
    const py = (v: number) => y + h + plotH - (v / max) * plotH;
    parts.push(`<line x1="${LABEL_W}" y1="${y + h + plotH}" x2="${LABEL_W + plotW}" y2="${y + h + plotH}" stroke="#999"/>`);
    parts.push(`<line x1="${LABEL_W}" y1="${y + h}" x2="${LABEL_W}" y2="${y + h + plotH}" stroke="#999"/>`);
    parts.push(`<text x="${LABEL_W - 8}" y="${y + h + 10}" font-size="11" text-anchor="end">${esc(`${formatValue(max)} ${c.unit}`)}</text>`);
    parts.push(`<text x="${LABEL_W - 8}" y="${y + h + plotH}" font-size="11" text-anchor="end">0</text>`);
    c.series.forEach((s, i) => {
      const color = PALETTE[i % PALETTE.length];
      parts.push(`<polyline fill="none" stroke="${color}" stroke-width="2" points="${s.points.map((p) => `${px(p.x).toFixed(1)},${py(p.y).toFixed(1)}`).join(' ')}"/>`);
      for (const p of s.points) {
        parts.push(`<circle cx="${px(p.x).toFixed(1)}" cy="${py(p.y).toFixed(1)}" r="3" fill="${color}"><title>${esc(`${s.name} ${p.x}: ${formatValue(p.y)} ${c.unit}`)}</title></circle>`);
      }
    });
    xs.forEach((x, i) => {
      if (xs.length > 12 && i % Math.ceil(xs.length / 12) !== 0) return;
      parts.push(`<text x="${px(x).toFixed(1)}" y="${y + h + plotH + 14}" font-size="11" text-anchor="middle">${esc(x)}</text>`);
    });
    h += plotH + 24;
  }
  return { svg: parts.join('\n'), height: h + 16 };
}

export function renderSvg(r: BenchReport): string {
  return renderChartsSvg(`Strata benchmark — ${r.machine.date.slice(0, 10)}, ${r.machine.cores} cores, Node ${r.machine.node}`,
    r.sections.flatMap((s) => (s.charts ?? []).map((chart) => ({ section: s.title, chart }))));
}

/** A titled SVG page of charts, one under the other (also used by the soak report). */
export function renderChartsSvg(title: string, charts: { section: string; chart: Chart }[]): string {
  const body: string[] = [];
  let y: number;
  body.push(`<text x="16" y="28" font-size="20" font-weight="bold">${esc(title)}</text>`);
  y = 44;
  for (const { section, chart } of charts) {
    const { svg, height } = chartSvg(section, chart, y);
    body.push(svg);
    y += height;
  }
  if (y === 44) {
    body.push('<text x="16" y="70" font-size="14">No section produced a chart.</text>');
    y = 90;
  }
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${y + 10}" viewBox="0 0 ${W} ${y + 10}" font-family="sans-serif">\n<rect width="100%" height="100%" fill="white"/>\n${body.join('\n')}\n</svg>\n`;
}

export async function writeReport(r: BenchReport, outDir: string): Promise<{ json: string; md: string; svg: string }> {
  await mkdir(outDir, { recursive: true });
  const files = { json: join(outDir, 'report.json'), md: join(outDir, 'report.md'), svg: join(outDir, 'report.svg') };
  await writeFile(files.json, `${JSON.stringify(r, null, 2)}\n`);
  await writeFile(files.md, renderMarkdown(r));
  await writeFile(files.svg, renderSvg(r));
  return files;
}
