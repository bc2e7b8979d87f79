/** Bench handler: does nothing, so tasks/s measures the worker's dispatch overhead. */
import { defineHandler } from '@stepfleet/worker/handler';

export default defineHandler(() => ({}));
