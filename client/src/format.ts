/**
 * Turns a StrataStats into text for people: the status bar line, the Markdown tooltip and the rows
 * the statistics view shows. Pure functions (no vscode import) so the wording is easy to check.
 */
import { budgetBytes, tierBudget, TIERS, usedBytes, type StrataStats } from './stats.js';

/** The message of an Error, or the thrown value as a string (the server's base/errors.ts, for the extension). */
export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** 1536 -> "1.5 KB"; binary units because budgets are set in MB of 2^20 bytes. */
export function formatBytes(n: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) { v /= 1024; i++; }
  const digits = i === 0 || v >= 100 ? 0 : 1;
  return `${v.toFixed(digits)} ${units[i]}`;
}

/** 5123 -> "5.1k": file counts in the status bar must stay short. */
function formatCount(n: number): string {
  if (n < 1000) return String(n);
  if (n < 1_000_000) return `${(n / 1000).toFixed(n < 10_000 ? 1 : 0)}k`;
  return `${(n / 1_000_000).toFixed(1)}M`;
}

function formatRatio(r: number): string {
  return r > 0 ? `${r.toFixed(2)}×` : '–';
}

/** The status bar line: memory used / budget, then files per tier. */
export function statusText(s: StrataStats, configuredTotalMB: number): string {
  const budget = budgetBytes(s, configuredTotalMB);
  const memory = budget === undefined
    ? formatBytes(usedBytes(s))
    : `${formatBytes(usedBytes(s))} / ${formatBytes(budget)}`;
  const t = s.tiers;
  return `$(database) ${memory} · ${formatCount(t.hot.files)} hot · `
    + `${formatCount(t.warm.files)} warm · ${formatCount(t.cold.files)} cold`;
}

/** One row per tier: files, bytes, budget (if known) and the share of the budget in use. */
export function tierRows(
  s: StrataStats,
): { tier: string; files: number; bytes: number; budget?: number; percent?: number }[] {
  return TIERS.map((tier) => {
    const budget = tierBudget(s, tier);
    const { files, bytes } = s.tiers[tier];
    return budget === undefined
      ? { tier, files, bytes }
      : { tier, files, bytes, budget, percent: Math.round((bytes / budget) * 100) };
  });
}

/** Label/value sections shared by the tooltip and the statistics view. */
export function reportSections(s: StrataStats): { title: string; rows: [string, string][] }[] {
  const langs = Object.entries(s.languages).sort((a, b) => b[1] - a[1]);
  return [
    { title: 'Workspace', rows: [
      ['files', s.files.toLocaleString('en-US')],
      ['source', formatBytes(s.bytes)],
      ['parse errors', String(s.parseErrors)],
      ['indexing time', `${(s.elapsedMs / 1000).toFixed(1)} s`],
      ['peak RSS', formatBytes(s.peakRssBytes)],
    ] },
    { title: 'Chunk store', rows: [
      ['raw', formatBytes(s.store.rawBytes)],
      ['stored', formatBytes(s.store.storedBytes)],
      ['chunks (unique)',
        `${s.store.chunks.toLocaleString('en-US')} (${s.store.uniqueChunks.toLocaleString('en-US')})`],
      ['dedup ratio', formatRatio(s.store.dedupRatio)],
      ['compression ratio', formatRatio(s.store.compressionRatio)],
    ] },
    { title: 'Trees', rows: [
      ['live', String(s.trees.live)], ['created', String(s.trees.created)], ['deleted', String(s.trees.deleted)],
    ] },
    { title: 'Integrity', rows: [
      ['verified reads', s.integrity.verifiedReads.toLocaleString('en-US')],
      ['CRC failures', String(s.integrity.crcFailures)],
      ['fallbacks', String(s.integrity.fallbacks)],
    ] },
    { title: 'Edit journal', rows: [
      ['replays', String(s.journal.replays)], ['full parses', String(s.journal.fullParses)],
    ] },
    { title: 'Languages', rows: langs.map(([k, v]) => [k, `${v} files`]) },
  ];
}

function mdCell(text: string): string {
  return text.replace(/[|\\`*_]/g, (c) => `\\${c}`);
}

/** The tooltip: tiers as a table, then the other sections compactly. Markdown, no HTML. */
export function tooltipMarkdown(s: StrataStats, configuredTotalMB: number): string {
  const budget = budgetBytes(s, configuredTotalMB);
  const lines = [
    `**Strata cache** — ${formatBytes(usedBytes(s))}${budget === undefined ? '' : ` of ${formatBytes(budget)}`}`,
    '',
    '| tier | files | bytes | budget |',
    '|---|--:|--:|--:|',
    ...tierRows(s).map((r) => `| ${r.tier} | ${r.files} | ${formatBytes(r.bytes)} | `
      + `${r.budget === undefined ? '–' : `${formatBytes(r.budget)} (${r.percent}%)`} |`),
    '',
  ];
  for (const section of reportSections(s)) {
    if (section.rows.length === 0) continue;
    lines.push(`**${section.title}:** ${section.rows.map(([k, v]) => `${mdCell(k)} ${mdCell(v)}`).join(' · ')}`, '');
  }
  lines.push('Click for the full report.');
  return lines.join('\n');
}
