/**
 * The Monte Carlo kernel's throughput on one CPU: loan-draws per second (one loan in one draw,
 * all four scenarios decided) and portfolio-draws per second for a 10,000-loan portfolio.
 * Baseline, in the same run: a straightforward kernel written from the model's definition
 * (one Philox call and one Φ⁻¹ per loan, draw and scenario, thresholds recomputed, BigInt cents).
 */
import { runBatch } from '../../examples/monte-carlo/src/batch.ts';
import { type PreparedLoan, prepareLoan } from '../../examples/monte-carlo/src/credit-model.ts';
import { systematicFactors } from '../../examples/monte-carlo/src/kernel.ts';
import { normalQuantile } from '../../examples/monte-carlo/src/normal.ts';
import { generatePortfolio } from '../../examples/monte-carlo/src/portfolio.ts';
import { hashString64, philox4x32, seedKey, uniformFromWords } from '../../examples/monte-carlo/src/rng.ts';
import { resolveSimulationInput } from '../../examples/monte-carlo/src/simulation-input.ts';
import { type Bench, type BenchFigure, median } from './types.ts';

const LOANS = 2_000;
const DRAWS = 2_000;
const PORTFOLIO = 10_000;

/**
 * CPU seconds this thread has used: "per CPU" figures stay right on a busy machine, where wall
 * time would count the time other processes held the core.
 */
function cpuSeconds(): number {
  const { user, system } = process.threadCpuUsage();
  return (user + system) / 1e6;
}

/** The naive kernel: the definition, transcribed. */
function naiveKernel(
  loans: readonly PreparedLoan[],
  rho: (i: number) => number,
  seed: number,
  draws: number,
  scenarios: number,
): bigint[] {
  const key = seedKey(seed);
  const z = systematicFactors(key, draws, 0);
  const words = new Uint32Array(4);
  const totals: bigint[] = new Array(scenarios * draws).fill(0n);
  for (let m = 0; m < draws; m++) {
    for (let l = 0; l < loans.length; l++) {
      const loan = loans[l]!;
      const id = hashString64(loan.id);
      for (let s = 0; s < scenarios; s++) {
        philox4x32(id.lo, id.hi, m, s, key.lo, key.hi, words);
        const eps = normalQuantile(uniformFromWords(words[0]!, words[1]!));
        const x = Math.sqrt(rho(l)) * z[m]! + Math.sqrt(1 - rho(l)) * eps;
        if (x < normalQuantile(loan.pds[s]!)) totals[s * draws + m]! += BigInt(loan.lossCents);
      }
    }
  }
  return totals;
}

const bench: Bench = async () => {
  const input = resolveSimulationInput({ seed: 1, draws: DRAWS });
  const loans = [...generatePortfolio('bench', 0, LOANS)];
  const prepared = loans.map((l) => prepareLoan(l, input.scenarios, input.model));
  const S = input.scenarios.length;

  const fast: number[] = [];
  const naive: number[] = [];
  for (let run = 0; run < 5; run++) {
    let t = cpuSeconds();
    runBatch(loans, input);
    fast.push((LOANS * DRAWS) / (cpuSeconds() - t));
    // The baseline is slow: a fifth of the loans keeps the bench short; the rate is per loan-draw.
    const part = prepared.slice(0, LOANS / 5);
    t = cpuSeconds();
    naiveKernel(part, (i) => input.rho[loans[i]!.type], 1, DRAWS, S);
    naive.push((part.length * DRAWS) / (cpuSeconds() - t));
  }
  const loanDraws = median(fast);
  const baseline = median(naive);
  const figures: BenchFigure[] = [
    {
      id: 'monte-carlo.kernel-loan-draws',
      what: `loan-draws per CPU-second (${S} scenarios decided per loan-draw; runBatch on ${LOANS} loans × ${DRAWS} draws, encoding included), vs a naive transcription of the model`,
      value: loanDraws,
      unit: '/s',
      baseline,
      ratio: loanDraws / baseline,
      goal: 'ratio >= 5',
      met: loanDraws / baseline >= 5,
    },
    {
      id: 'monte-carlo.portfolio-draws-per-cpu',
      what: `portfolio-draws per CPU-second for a ${PORTFOLIO.toLocaleString('en-US')}-loan portfolio (loan-draws/s ÷ loans)`,
      value: loanDraws / PORTFOLIO,
      unit: '/s',
      baseline: baseline / PORTFOLIO,
      ratio: loanDraws / baseline,
      goal: '>= 1000 /s',
      met: loanDraws / PORTFOLIO >= 1000,
    },
  ];
  return figures;
};

export default bench;
