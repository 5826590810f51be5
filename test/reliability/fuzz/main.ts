/**
 * `npm run fuzz -- --rounds N [--seed S] [--from-round R] [--bound-ms MS] [--heavy P] [--dump] [--skip-nesting js-parens]`: the seeded
 * hostile-input fuzzer over a real stdio connection (runner.ts). Without --seed a random seed is
 * drawn and printed first, so any run can be replayed. Prints the figures at the end; exits 1 on a
 * failure (the message names the seed, the round and the replay command).
 */
import { formatFigures, FuzzFailure, runFuzz } from './runner.js';

function parseArgs(argv: string[]): { rounds: number; seed: number; fromRound: number; boundMs: number; heavy?: number; dump?: boolean; skipNestings?: string[] } {
  const out = { rounds: 200, seed: (Math.random() * 2 ** 32) >>> 0, fromRound: 0, boundMs: 10_000 } as ReturnType<typeof parseArgs>;
  for (let i = 0; i < argv.length; i++) {
    const value = Number(argv[i + 1]);
    const needInt = () => {
      if (!Number.isSafeInteger(value) || value < 0) throw new Error(`${argv[i]} needs a non-negative integer`);
      i++;
      return value;
    };
    switch (argv[i]) {
      case '--rounds': out.rounds = needInt(); break;
      case '--seed': out.seed = needInt() >>> 0; break;
      case '--from-round': out.fromRound = needInt(); break;
      case '--bound-ms': out.boundMs = needInt(); break;
      case '--dump': out.dump = true; break;
      case '--skip-nesting': (out.skipNestings ??= []).push(String(argv[++i])); break;
      case '--heavy':
        if (!(value >= 0 && value <= 1)) throw new Error('--heavy needs a probability in [0, 1]');
        out.heavy = value;
        i++;
        break;
      default: throw new Error(`unknown argument ${argv[i]} (use --rounds N --seed S --from-round R --bound-ms MS --heavy P --dump --skip-nesting NAME)`);
    }
  }
  return out;
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  console.log(`strata fuzz: seed ${args.seed}, ${args.rounds} rounds from round ${args.fromRound}, bound ${args.boundMs} ms`);
  let last = performance.now();
  try {
    const figures = await runFuzz({
      ...args,
      onRound: (round, f) => {
        if (performance.now() - last < 5000) return;
        last = performance.now();
        console.log(`  round ${round}: ${f.messagesTotal} messages, ${f.validRequests.answered + f.hostileRequests.answered} requests answered`);
      },
    });
    console.log(formatFigures(figures));
    return 0;
  } catch (err) {
    console.error(err instanceof FuzzFailure ? err.message : err);
    if (err instanceof FuzzFailure && err.figures) console.error(`\nfigures up to the failure:\n${formatFigures(err.figures)}`);
    return 1;
  }
}

process.exitCode = await main();
