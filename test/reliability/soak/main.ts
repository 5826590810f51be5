/**
 * `npm run soak -- --minutes N [--seed S] [--corpus DIR] [--out DIR]`: a long editing session
 * against the built server (session.ts), judged by metrics.ts and written to `soak-report/`
 * (report.ts). Exit 0 when the run passes, 1 with the reasons when it does not, 2 for bad arguments.
 * CI runs three minutes; the seed (random unless given) is printed first so any failure can be replayed.
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { REPO } from '../../lsp/harness.js';
import { soakPlan } from './metrics.js';
import { buildReport, summaryLines, writeSoakReport } from './report.js';
import { runSoak } from './session.js';
import { errorMessage } from '../../../server/src/base/errors.js';

const USAGE = 'usage: node dist/test/reliability/soak/main.js --minutes N [--seed S] [--corpus DIR] [--out DIR]';

async function main(): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      options: { minutes: { type: 'string' }, seed: { type: 'string' }, corpus: { type: 'string' }, out: { type: 'string' }, help: { type: 'boolean' } },
      strict: true,
    }));
  } catch (err) {
    console.error(`${errorMessage(err)}\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const minutes = Number(values.minutes ?? 1);
  const seed = values.seed === undefined ? Math.floor(Math.random() * 2 ** 31) : Number(values.seed);
  if (!(minutes > 0 && minutes <= 24 * 60) || !(Number.isInteger(seed) && seed >= 0 && seed < 2 ** 32)) {
    console.error(`--minutes must be a number in (0, 1440] and --seed an integer in [0, 2^32)\n${USAGE}`);
    return 2;
  }
  const out = resolve(values.out ?? resolve(REPO, 'soak-report'));
  const plan = soakPlan(minutes * 60_000);
  console.log(`soak: seed ${seed} (replay with --seed ${seed}), ${minutes} min`);
  const run = await runSoak({ plan, seed, corpus: values.corpus ? resolve(values.corpus) : undefined, log: (line) => console.log(line) });
  const report = buildReport(run, plan);
  const files = await writeSoakReport(report, run, out);
  for (const line of summaryLines(report)) console.log(line);
  console.log(`  report: ${files.md} (also .json, .svg)`);
  if (!report.passed && run.stderrTail) console.log(`server stderr (tail):\n${run.stderrTail}`);
  return report.passed ? 0 : 1;
}

main().then((code) => process.exit(code), (err) => {
  console.error(`soak: ${err instanceof Error ? err.stack ?? err.message : String(err)}`);
  process.exit(1);
});
