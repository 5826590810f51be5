/**
 * The `strata.*` settings as the server receives them.
 *
 * The same plain object goes out as `initializationOptions` at start and, through the language
 * client's `synchronize.configurationSection`, in every `workspace/didChangeConfiguration`; the server
 * may also pull it with `workspace/configuration` (section `strata`). Keys mirror the server's settings
 * exactly; the extension interprets none of them except to show budgets when the server reports none.
 */
import * as vscode from 'vscode';
import { strataLanguageNames } from './selector.js';

export interface StrataSettings {
  memory: { totalMB: number; hotMB: number; warmMB: number; coldMB: number };
  journal: { maxEdits: number };
  trees: { maxFileSizeMB: number; policy: 'budget' | 'all' | 'count'; maxTrees: number };
  exclude: string[];
  cacheDir: string;
  cacheDiskMB: number;
  languages: string[];
}

export const SECTION = 'strata';

export function readSettings(): StrataSettings {
  const c = vscode.workspace.getConfiguration(SECTION);
  return {
    memory: {
      totalMB: c.get<number>('memory.totalMB', 1024),
      hotMB: c.get<number>('memory.hotMB', 0),
      warmMB: c.get<number>('memory.warmMB', 0),
      coldMB: c.get<number>('memory.coldMB', 0),
    },
    journal: { maxEdits: c.get<number>('journal.maxEdits', 256) },
    trees: {
      maxFileSizeMB: c.get<number>('trees.maxFileSizeMB', 2),
      policy: c.get<'budget' | 'all' | 'count'>('trees.policy', 'budget'),
      maxTrees: c.get<number>('trees.maxTrees', 128),
    },
    exclude: c.get<string[]>('exclude', ['**/.git/**', '**/node_modules/**', '**/.hg/**', '**/.svn/**']),
    cacheDir: c.get<string>('cacheDir', ''),
    cacheDiskMB: c.get<number>('cacheDiskMB', 2048),
    languages: c.get<string[]>('languages', strataLanguageNames()),
  };
}
