import { emitPath } from '/work/wt-emit/bench/cases/emit-path.ts';
import { settings } from '/work/wt-emit/bench/harness.ts';
const rows = await emitPath(settings(process.argv.includes('--quick')));
for (const r of rows) console.log(r.name, '|', Math.round(r.value), '|', r.ratio?.toFixed(2), r.spread ? `(${r.spread.min.toFixed(2)}–${r.spread.max.toFixed(2)})` : '', r.met);
