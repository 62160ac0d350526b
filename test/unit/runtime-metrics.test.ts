import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { metrics } from '@opentelemetry/api';
import { DataPointType } from '@opentelemetry/sdk-metrics';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type ChainStore,
  createMemoryChainStore,
  createOperationalState,
  OperationalStateInputError,
  silentLogger,
} from '../../src/index.js';
import { generateCheckpointKeys } from '../../src/checkpoint/index.js';
import { BOOT_READY_EVENT, PAUSED_COST_LIMIT_EVENT } from '../../src/machine/index.js';
import { MS_BUCKETS, RUNTIME_METRICS } from '../../src/metrics/index.js';
import { openSqliteChainStore } from '../../src/store/sqlite/sqlite-store.js';
import { histogramPoints, OtelTestReader, pointValues } from '../support/otel-reader.js';

const readers: OtelTestReader[] = [];
function newReader(): OtelTestReader {
  const r = new OtelTestReader();
  readers.push(r);
  return r;
}
afterEach(async () => {
  metrics.disable();
  await Promise.all(readers.splice(0).map((r) => r.shutdown()));
});

/** A real memory store whose appends fail while `down` is set. */
function memoryWithOutage(): { store: ChainStore; outage: { down: boolean } } {
  const store = createMemoryChainStore();
  const outage = { down: false };
  const append = store.append.bind(store);
  store.append = (ws, events) =>
    outage.down ? Promise.reject(new Error('connection refused')) : append(ws, events);
  return { store, outage };
}

const RETRY_MS = 400;

describe('runtime metrics through @opentelemetry/api', () => {
  it('a scripted run with a store outage and recovery yields the exact counters, histograms and gauges', async () => {
    const otel = newReader();
    const { store, outage } = memoryWithOutage();
    const rt = createOperationalState(
      { store, workspaceId: 'org_metrics' },
      {
        logger: silentLogger,
        metrics: { meterProvider: otel.provider },
        retry: { initialDelayMs: RETRY_MS, maxDelayMs: RETRY_MS },
      },
    );
    let failures = 0;
    let firstFailure!: () => void;
    const failedOnce = new Promise<void>((resolve) => (firstFailure = resolve));
    rt.onEmit((o) => {
      if (o.ok) return;
      failures += 1;
      if (failures === 1) firstFailure();
      // The store comes back after the second failed call: the third lands.
      if (failures === 2) outage.down = false;
    });

    let m = await otel.collect();
    expect(pointValues(m.get('opstate.state'))).toEqual({
      'state=booting': 1,
      'state=ready': 0,
      'state=active': 0,
      'state=paused': 0,
      'state=stopped': 0,
    });

    await rt.transitionTo('ready', 'all §9.2 gates pass');
    await rt.flush();
    await rt.transitionTo('active', 'claim acquired');
    await rt.flush();

    outage.down = true;
    await rt.transitionTo('paused', 'cost 100%');
    await failedOnce;
    m = await otel.collect();
    expect(pointValues(m.get('opstate.emit.pending'))).toEqual({ '': 1 });
    expect(pointValues(m.get('opstate.state'))['state=paused']).toBe(1);
    expect(pointValues(m.get('opstate.emit.failures'))).toEqual({ 'store=memory': 1 });

    // Queued behind the failed one, before its retry (at least RETRY_MS / 2 away).
    await rt.transitionTo('ready', 'monthly credit refresh confirmed');
    m = await otel.collect();
    expect(pointValues(m.get('opstate.emit.pending'))).toEqual({ '': 2 });

    await rt.flush();
    m = await otel.collect();
    expect(pointValues(m.get('opstate.transitions'))).toEqual({
      [`from=booting,literal=${BOOT_READY_EVENT},to=ready`]: 1,
      'from=ready,literal=none,to=active': 1,
      [`from=active,literal=${PAUSED_COST_LIMIT_EVENT},to=paused`]: 1,
      'from=paused,literal=none,to=ready': 1,
    });
    expect(pointValues(m.get('opstate.emit.failures'))).toEqual({ 'store=memory': 2 });
    const appends = histogramPoints(m.get('opstate.append.duration'));
    // Two calls of one transition each, then the two queued ones in one call after the outage.
    expect(appends['outcome=ok,store=memory']?.count).toBe(3);
    expect(appends['outcome=error,store=memory']?.count).toBe(2);
    expect(Object.keys(appends)).toHaveLength(2);
    expect(appends['outcome=ok,store=memory']?.buckets.boundaries).toEqual(MS_BUCKETS);
    const lag = histogramPoints(m.get('opstate.emit.lag'))['store=memory'];
    expect(lag?.count).toBe(4);
    // The paused transition waited out two retry delays of at least RETRY_MS / 2 each.
    expect(lag?.max).toBeGreaterThanOrEqual(RETRY_MS - 5);
    expect(pointValues(m.get('opstate.emit.pending'))).toEqual({ '': 0 });
    expect(pointValues(m.get('opstate.state'))).toEqual({
      'state=booting': 0,
      'state=ready': 1,
      'state=active': 0,
      'state=paused': 0,
      'state=stopped': 0,
    });
    expect(m.has('opstate.checkpoint.age')).toBe(false);

    await rt.stop();
    // A stopped runtime leaves the gauges: a new one on the same meter is the only agent counted.
    const next = createOperationalState(
      { store: createMemoryChainStore(), workspaceId: 'org_next' },
      { logger: silentLogger, metrics: { meterProvider: otel.provider } },
    );
    m = await otel.collect();
    expect(pointValues(m.get('opstate.state'))).toEqual({
      'state=booting': 1,
      'state=ready': 0,
      'state=active': 0,
      'state=paused': 0,
      'state=stopped': 0,
    });
    await next.stop();
  });

  it('records what the catalog describes: names, kinds, units and attribute keys', async () => {
    const otel = newReader();
    const { privateKeyPem: privateKey } = generateCheckpointKeys();
    const { store, outage } = memoryWithOutage();
    const rt = createOperationalState(
      { store, workspaceId: 'org_catalog' },
      {
        logger: silentLogger,
        retry: { initialDelayMs: 1, maxDelayMs: 1 },
        metrics: { meterProvider: otel.provider, workspaceAttribute: true },
        checkpoints: { privateKey, everyEvents: 1000, onCheckpoint: () => {} },
      },
    );
    // One failed append first, so every instrument has a data point.
    outage.down = true;
    rt.onEmit((o) => {
      if (!o.ok) outage.down = false;
    });
    await rt.transitionTo('ready', 'all §9.2 gates pass');
    await rt.flush();
    const m = await otel.collect();
    for (const d of RUNTIME_METRICS) {
      const got = m.get(d.name);
      expect(got, d.name).toBeDefined();
      expect(got?.descriptor.unit, d.name).toBe(d.unit);
      expect(got?.descriptor.description, d.name).toBe(d.description);
      const kind =
        got?.dataPointType === DataPointType.SUM && got.isMonotonic
          ? 'counter'
          : got?.dataPointType === DataPointType.HISTOGRAM
            ? 'histogram'
            : got?.dataPointType === DataPointType.GAUGE
              ? 'observable gauge'
              : 'other';
      expect(kind, d.name).toBe(d.kind);
      for (const p of got?.dataPoints ?? []) {
        for (const k of Object.keys(p.attributes)) expect(d.attributes, d.name).toContain(k);
      }
    }
    expect(pointValues(m.get('opstate.state'))['state=ready,workspace=org_catalog']).toBe(1);
    const age = pointValues(m.get('opstate.checkpoint.age'))['workspace=org_catalog'];
    expect(age).toBeGreaterThanOrEqual(0);
    await new Promise((r) => setTimeout(r, 60));
    const later = pointValues((await otel.collect()).get('opstate.checkpoint.age'))['workspace=org_catalog'];
    expect(later).toBeGreaterThanOrEqual((age ?? 0) + 0.05);
    await rt.stop();
  });

  it('checkpoint age drops when a checkpoint is signed', async () => {
    const otel = newReader();
    const { privateKeyPem: privateKey } = generateCheckpointKeys();
    let signed = 0;
    const rt = createOperationalState(
      { store: createMemoryChainStore(), workspaceId: 'org_age' },
      {
        logger: silentLogger,
        metrics: otel.provider,
        checkpoints: { privateKey, everyEvents: 1, onCheckpoint: () => void (signed += 1) },
      },
    );
    await new Promise((r) => setTimeout(r, 120));
    const before = pointValues((await otel.collect()).get('opstate.checkpoint.age'))[''] ?? 0;
    expect(before).toBeGreaterThanOrEqual(0.1);
    await rt.transitionTo('ready', 'all §9.2 gates pass');
    await rt.flush();
    await expect.poll(() => signed).toBeGreaterThan(0);
    const after = pointValues((await otel.collect()).get('opstate.checkpoint.age'))[''] ?? Infinity;
    expect(after).toBeLessThan(before);
    await rt.stop();
  });

  it('names the store engine: sqlite', async () => {
    const otel = newReader();
    const dir = mkdtempSync(join(tmpdir(), 'opstate-metrics-'));
    const store = await openSqliteChainStore({ file: join(dir, 'chain.db') });
    try {
      const rt = createOperationalState(
        { store, workspaceId: 'org_sqlite' },
        { logger: silentLogger, metrics: { meter: otel.provider.getMeter('opstate') } },
      );
      await rt.transitionTo('ready', 'all §9.2 gates pass');
      await rt.stop();
      const m = await otel.collect();
      expect(histogramPoints(m.get('opstate.append.duration'))['outcome=ok,store=sqlite']?.count).toBe(1);
      expect(histogramPoints(m.get('opstate.emit.lag'))['store=sqlite']?.count).toBe(1);
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('records on the global MeterProvider by default, and nothing with metrics: false', async () => {
    const otel = newReader();
    expect(metrics.setGlobalMeterProvider(otel.provider)).toBe(true);
    const on = createOperationalState(
      { store: createMemoryChainStore(), workspaceId: 'org_global' },
      { logger: silentLogger },
    );
    const off = createOperationalState(
      { store: createMemoryChainStore(), workspaceId: 'org_off' },
      { logger: silentLogger, metrics: false },
    );
    await on.transitionTo('ready', 'claim released');
    await off.transitionTo('ready', 'claim released');
    await Promise.all([on.stop(), off.stop()]);
    const m = await otel.collect();
    // The one runtime's one transition.
    expect(pointValues(m.get('opstate.transitions'))).toEqual({ 'from=booting,literal=none,to=ready': 1 });
  });

  it('with @opentelemetry/api installed and no provider registered, attaches nothing', async () => {
    const store = createMemoryChainStore();
    const rt = createOperationalState({ store, workspaceId: 'org_none' }, { logger: silentLogger });
    // No timing wrapper between the pipeline and the store: the runtime's only observer is its own.
    const appendsSeen: unknown[] = [];
    const append = store.append.bind(store);
    store.append = (ws, events) => {
      appendsSeen.push(new Error().stack);
      return append(ws, events);
    };
    await rt.transitionTo('ready', 'claim released');
    await rt.stop();
    expect(appendsSeen).toHaveLength(1);
    expect(String(appendsSeen[0])).not.toContain('/src/metrics/');
  });

  it('refuses a bad metrics option with a typed error naming it', () => {
    const target = { store: createMemoryChainStore(), workspaceId: 'org_bad' };
    for (const bad of [
      'yes',
      1,
      { meterProvider: {} },
      { meter: 3 },
      { workspaceAttribute: 'x' },
      { exporter: 1 },
    ]) {
      expect(() => createOperationalState(target, { metrics: bad as never })).toThrow(
        OperationalStateInputError,
      );
      expect(() => createOperationalState(target, { metrics: bad as never })).toThrow(/metrics/);
    }
  });
});
