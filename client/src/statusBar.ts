/**
 * The cache at a glance: a status bar item fed by `strata/stats`.
 *
 * Refreshed every few seconds, when indexing progress ends, after a settings change and on demand.
 * The server may be starting, restarting, busy or too old to know `strata/stats`: each case shows a
 * plain state in the item instead of an error dialog, and a server that lacks the method is not
 * asked again until it restarts.
 */
import * as vscode from 'vscode';
import { errorMessage, statusText, tooltipMarkdown } from './format.js';
import { normalizeStats, type StrataStats } from './stats.js';

const POLL_MS = 5000;
const TIMEOUT_MS = 5000;
/** JSON-RPC "method not found". */
const METHOD_NOT_FOUND = -32601;

export type StatsFetcher = (timeoutMs: number) => Promise<unknown>;

export interface StatsListener { (stats: StrataStats | undefined, error: string | undefined): void }

export class CacheStatusBar implements vscode.Disposable {
  private readonly item: vscode.StatusBarItem;
  private timer: NodeJS.Timeout | undefined;
  private inFlight = false;
  private unsupported = false;
  private last: StrataStats | undefined;
  private lastError: string | undefined;
  private readonly listeners: StatsListener[] = [];

  constructor(private readonly fetch: StatsFetcher, private readonly configuredTotalMB: () => number, command: string) {
    this.item = vscode.window.createStatusBarItem('strata.cache', vscode.StatusBarAlignment.Right, 100);
    this.item.name = 'Strata Cache';
    this.item.command = command;
    this.showState('$(sync~spin) Strata', 'Strata is starting…');
    this.item.show();
  }

  get stats(): StrataStats | undefined { return this.last; }
  get error(): string | undefined { return this.lastError; }

  onStats(listener: StatsListener): void { this.listeners.push(listener); }

  /** Begin polling (after the client has started). */
  start(): void {
    this.unsupported = false;
    this.stopTimer();
    this.timer = setInterval(() => void this.refresh(), POLL_MS);
    void this.refresh();
  }

  /** The server is gone (stopping, restarting or crashed). */
  stop(state: string): void {
    this.stopTimer();
    this.showState(`$(circle-slash) Strata`, state);
  }

  /** Ask the server now; never throws, never overlaps. */
  async refresh(): Promise<void> {
    if (this.inFlight || this.unsupported) return;
    this.inFlight = true;
    try {
      const stats = normalizeStats(await this.fetch(TIMEOUT_MS));
      this.last = stats;
      this.lastError = undefined;
      this.item.text = statusText(stats, this.configuredTotalMB());
      const md = new vscode.MarkdownString(tooltipMarkdown(stats, this.configuredTotalMB()));
      md.supportThemeIcons = true;
      this.item.tooltip = md;
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      if (code === METHOD_NOT_FOUND) {
        // An older or different server: keep the language features, drop the cache display.
        this.unsupported = true;
        this.stopTimer();
        this.lastError = 'the server does not answer strata/stats';
        this.showState('$(database) Strata', this.lastError);
      } else {
        this.lastError = errorMessage(err);
        if (this.last) {
          // Keep the last good numbers visible and say they are stale.
          this.item.text = `$(warning) ${statusText(this.last, this.configuredTotalMB()).replace('$(database) ', '')}`;
          this.item.tooltip = new vscode.MarkdownString(
            `${tooltipMarkdown(this.last, this.configuredTotalMB())}\n\n*Stale: ${this.lastError}*`);
        } else {
          this.showState('$(warning) Strata', `No cache statistics yet: ${this.lastError}`);
        }
      }
    } finally {
      this.inFlight = false;
    }
    for (const l of this.listeners) l(this.last, this.lastError);
  }

  private showState(text: string, tooltip: string): void {
    this.item.text = text;
    this.item.tooltip = tooltip;
  }

  private stopTimer(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  dispose(): void {
    this.stopTimer();
    this.item.dispose();
  }
}
