/**
 * The files of examples/demo (relative paths, `/`-separated), and which ones .gitignore excludes.
 * Test helper only: walks the folder with node:fs.
 */
import { readdirSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { DEMO } from './demo.js';

/** Every demo file that is meant to be indexed: all but .gitignore and the ignored build/ folder. */
export function demoFiles(): string[] {
  return allFiles().filter((f) => f !== '.gitignore' && !f.startsWith('build/'));
}

export function allFiles(): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else out.push(relative(DEMO, p).split(sep).join('/'));
    }
  };
  walk(DEMO);
  return out.sort();
}
