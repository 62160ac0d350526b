import { chromium } from 'playwright-core';
import { createInspectionRecorder, createMemoryChainStore, createOperationalState } from './src/index.js';
import { INSPECTOR_PAGE } from './scripts/build-inspector.js';
import { measureChart } from './test/support/chart-overlap.js';
const recorder = createInspectionRecorder();
const rt = createOperationalState({ store: createMemoryChainStore(), workspaceId: 'x' }, { inspect: recorder });
await rt.transitionTo('ready', 'all §9.2 gates pass', { claimPermission: 'normal' });
await rt.send({ type: 'CLAIM_ACQUIRED', trigger: 'x' });
await rt.flush(); await rt.stop();
const b = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
for (const vp of [{ width: 1600, height: 1000 }, { width: 1280, height: 720 }]) {
  const p = await b.newPage({ viewport: vp });
  p.on('pageerror', (e) => console.log('pageerror', e.message));
  p.on('console', (m) => console.log('console', m.text()));
  await p.goto(`file://${INSPECTOR_PAGE}`);
  await p.getByLabel(/load trace/).setInputFiles({ name: 'a.jsonl', mimeType: 'application/x-ndjson', buffer: Buffer.from(recorder.toJSONL()) });
  await p.waitForSelector('[data-testid="chart"]');
  await p.waitForTimeout(300);
  console.log(vp, JSON.stringify(await measureChart(p)));
  await p.screenshot({ path: `/tmp/insp-${vp.width}.png` });
}
await b.close();
