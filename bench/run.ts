/*
 * `npm run bench [-- --quick]`: opstate against its baselines, every comparison a ratio measured in the
 * same run. Writes bench/results/latest.json and prints a Markdown table.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { transitionCost } from './cases/transition-cost.js';
import { type CaseResult, settings } from './harness.js';

const quick = process.argv.includes('--quick');
const s = settings(quick);

function fmt(n: number | null, digits = 0): string {
  if (n === null || !Number.isFinite(n)) return '–';
  return n >= 1000 ? Math.round(n).toLocaleString('en-US') : n.toFixed(digits);
}

export function markdownTable(cases: readonly CaseResult[]): string {
  const rows = [
    '| case | value | baseline | baseline value | ratio | target | met |',
    '| --- | ---: | --- | ---: | ---: | --- | :---: |',
  ];
  for (const c of cases) {
    const met = c.met === null ? '–' : c.met ? 'yes' : '**no**';
    rows.push(
      `| ${c.name} | ${fmt(c.value, 1)} ${c.unit} | ${c.baseline ?? '–'} | ${fmt(c.baselineValue, 1)} | ${c.ratio === null ? '–' : `${c.ratio.toFixed(2)}×`} | ${c.target ?? '–'} | ${met} |`,
    );
  }
  return rows.join('\n');
}

async function main(): Promise<void> {
  const started = Date.now();
  const cases: CaseResult[] = [];
  const section = async (label: string, run: () => Promise<CaseResult[]>) => {
    process.stderr.write(`bench: ${label}…\n`);
    cases.push(...(await run()));
  };
  await section('transition cost', () => transitionCost(s));

  const cpu = cpus();
  const report = {
    machine: {
      cpu: cpu[0]?.model ?? 'unknown',
      cores: cpu.length,
      memoryGiB: Math.round(totalmem() / 2 ** 30),
      node: process.version,
      platform: `${process.platform}-${process.arch}`,
    },
    date: new Date().toISOString(),
    quick,
    durationSeconds: Math.round((Date.now() - started) / 1000),
    cases,
  };
  const dir = fileURLToPath(new URL('./results/', import.meta.url));
  mkdirSync(dir, { recursive: true });
  writeFileSync(`${dir}latest.json`, `${JSON.stringify(report, null, 2)}\n`);
  process.stdout.write(
    `\n${markdownTable(cases)}\n\nMachine: ${report.machine.cpu}, ${report.machine.cores} cores, ${report.machine.memoryGiB} GiB, Node ${report.machine.node}. ${quick ? 'Quick mode. ' : ''}Took ${report.durationSeconds} s.\n`,
  );
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
