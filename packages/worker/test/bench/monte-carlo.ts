/**
 * Bench handler: a fixed amount of Monte Carlo work per task (estimating a tail probability of
 * a sum of normals), so tasks/s measures CPU throughput.
 */
import { defineBatchHandler } from '@stepfleet/worker/handler';

export default defineBatchHandler<number, { draws: number }, { tail: number }>(({ batchInput, random }) => {
  let hits = 0;
  for (let i = 0; i < batchInput.draws; i++) {
    // Box–Muller: two uniforms to one normal, summed over 4 factors.
    let sum = 0;
    for (let f = 0; f < 4; f++) {
      sum += Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
    }
    if (sum > 4) hits++;
  }
  return { tail: hits / batchInput.draws };
});
