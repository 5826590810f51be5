/**
 * The hostile-input fuzzer in CI: a few hundred seeded rounds against the built server over stdio
 * (fuzz/runner.ts). The seed is random and printed, and a failure names the seed and the round with
 * the command that replays it; `FUZZ_SEED` and `FUZZ_ROUNDS` pin a run. Heavy items (20 MB
 * documents, 100 000 nested brackets, bursts of thousands of edits) come at a lower rate than in
 * `npm run fuzz` to keep the run near a minute, but at least one of each is played: the
 * generator's own unit checks below make sure the kinds are all reachable.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RoundGenerator, type Kind } from './fuzz/rounds.js';
import { formatFigures, runFuzz } from './fuzz/runner.js';

const seed = process.env['FUZZ_SEED'] ? Number(process.env['FUZZ_SEED']) >>> 0 : (Math.random() * 2 ** 32) >>> 0;
const rounds = process.env['FUZZ_ROUNDS'] ? Number(process.env['FUZZ_ROUNDS']) : 300;
/**
 * Nesting variants left out of the CI run (none now): 100 000 nested parentheses in JavaScript used to
 * block the main thread ~110 s in the tags query; every query pass now has a time budget
 * (server/src/syntax/analysis/budget.ts), so the outline is served flagged incomplete instead.
 */
const KNOWN_SLOW_NESTINGS: string[] = [];

describe('hostile input fuzzer', () => {
  it('generates the same rounds from the same seed, and every kind of hostile message', () => {
    const kinds = new Set<Kind>();
    const check = (heavy: number, rounds: number) => {
      const ctx = { rootUri: 'file:///ws', demoFiles: ['a.js'], heavy };
      const a = new RoundGenerator(ctx);
      const b = new RoundGenerator(ctx);
      for (let r = 0; r < rounds; r++) {
        const x = a.generate(seed, r);
        const y = b.generate(seed, r);
        assert.equal(x.steps.length, y.steps.length, `seed ${seed} round ${r}`);
        for (const [i, s] of x.steps.entries()) {
          kinds.add(s.kind);
          assert.deepEqual(s, y.steps[i], `seed ${seed} round ${r} step ${i}`);
        }
      }
      // A round is the same whether or not the rounds before it were generated.
      assert.deepEqual(new RoundGenerator(ctx).generate(seed, rounds - 1).steps.map((s) => s.kind), a.generate(seed, rounds - 1).steps.map((s) => s.kind));
    };
    check(0, 80);
    check(1, 2); // every heavy item in each round
    for (const k of ['body-truncated', 'body-invalid-json', 'header-short-length', 'header-huge-length', 'header-garbage', 'unknown-request',
      'wrong-params-request', 'bad-position-edit', 'edit-unopened', 'version-backwards', 'lone-surrogate-text', 'nested-brackets',
      'huge-document', 'burst-edit', 'body-deep-nesting'] as Kind[]) {
      assert.ok(kinds.has(k), `seed ${seed}: no ${k}`);
    }
  });

  it(`survives ${rounds} rounds: every request answered, no death, no wrong text`, { timeout: 600_000 }, async () => {
    console.log(`fuzz seed ${seed} (replay: FUZZ_SEED=${seed}, or node dist/test/reliability/fuzz/main.js --seed ${seed} --rounds ${rounds})`);
    const figures = await runFuzz({ seed, rounds, heavy: 0.01, boundMs: 30_000, skipNestings: KNOWN_SLOW_NESTINGS });
    console.log(formatFigures(figures));
    assert.equal(figures.rounds, rounds);
    assert.equal(figures.unanswered, 0);
    assert.equal(figures.serverDeaths, 0);
    assert.equal(figures.wrongTexts, 0);
    assert.equal(figures.validRequests.answered, figures.validRequests.sent);
    assert.ok(figures.textsCompared > 0);
  });
});
