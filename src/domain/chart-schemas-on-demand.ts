import { onDemand } from '../util/zod-on-demand.js';
import { buildChartSchemas } from './chart-schemas.js';

/** The chart's schemas for opstate's own checks, built (and zod loaded) on first use. */
export const chartSchemas = onDemand(buildChartSchemas);
