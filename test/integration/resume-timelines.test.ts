/*
 * Restarts are visible beyond `opstate events`: the cockpit's drill-down timeline marks the first
 * transition of each new life, and the inspector's first row of a resumed runtime says it resumed.
 */
import { describe, expect, it } from 'vitest';
import { applyRecord, emptyModel } from '../../inspector/src/model.js';
import { workspaceDetail } from '../../src/cockpit/detail.js';
import {
  createOperationalState,
  openSqliteChainStore,
  resumeOperationalState,
  silentLogger,
} from '../../src/index.js';
import { findRestarts } from '../../src/store/index.js';
import { createInspectionRecorder } from '../../src/inspect/index.js';
import { freshSqliteFile, freshWorkspace } from '../support/engines.js';
import { readAll } from '../support/forge.js';

describe('restart marks in the timelines', () => {
  it('the cockpit detail marks a fresh boot and a resume; a resumed paused agent shows no break', async () => {
    const store = await openSqliteChainStore({ file: freshSqliteFile() });
    const workspaceId = freshWorkspace();
    const target = { store, workspaceId };
    try {
      const one = createOperationalState(target, { logger: silentLogger });
      await one.transitionTo('ready', 'all §9.2 gates pass');
      await one.stop();
      const two = createOperationalState(target, { logger: silentLogger });
      await two.transitionTo('ready', 'all §9.2 gates pass');
      await two.transitionTo('paused', 'operator');
      await two.stop();
      const three = await resumeOperationalState(target, { logger: silentLogger });
      await three.transitionTo('ready', 'operator clears via kora_control reset');
      await three.stop();
      const events = await readAll(store, workspaceId);
      const detail = await workspaceDetail(store, workspaceId, events.length);
      expect(detail.timeline.map((t) => t.restart ?? null)).toStrictEqual([
        null,
        'restart: fresh boot',
        null,
        `restart: resumed from seq ${events.length - 1}`,
      ]);
      const restarts = findRestarts(events, await store.ownership.claims(workspaceId));
      expect(restarts.map((r) => [r.kind, r.break])).toStrictEqual([
        ['fresh_boot', true],
        ['resumed', false],
      ]);
    } finally {
      await store.close();
    }
  });

  it('the inspector’s first row of a resumed runtime says it resumed, and in which state', async () => {
    const store = await openSqliteChainStore({ file: freshSqliteFile() });
    const workspaceId = freshWorkspace();
    try {
      const first = createOperationalState({ store, workspaceId }, { logger: silentLogger });
      await first.transitionTo('ready', 'all §9.2 gates pass');
      await first.transitionTo('paused', 'cost 100%');
      await first.stop();
      const recorder = createInspectionRecorder();
      const rt = await resumeOperationalState(
        { store, workspaceId },
        { logger: silentLogger, inspect: recorder },
      );
      await rt.stop();
      const model = emptyModel();
      for (const r of recorder.records()) applyRecord(model, r);
      expect(model.rows[0]).toMatchObject({ kind: 'start', to: 'paused' });
      expect(model.rows[0]?.detail).toBe('restart: resumed in paused (numbering continues after #4)');
      // A new agent's first row says nothing of the kind.
      const freshRecorder = createInspectionRecorder();
      const fresh = createOperationalState(
        { store, workspaceId: freshWorkspace() },
        { inspect: freshRecorder },
      );
      await fresh.stop();
      const freshModel = emptyModel();
      for (const r of freshRecorder.records()) applyRecord(freshModel, r);
      expect(freshModel.rows[0]?.detail).toBeNull();
    } finally {
      await store.close();
    }
  });
});
