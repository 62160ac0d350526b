import { openSqliteChainStore } from './src/store/sqlite/sqlite-store.js';
const store = await openSqliteChainStore({ file: process.argv[2]! });
for (let w = 0; w < 1000; w++) { const b = []; for (let i = 0; i < 100; i++) { const [f, t] = i === 0 ? ['booting','ready'] : i % 2 ? ['ready','active'] : ['active','ready']; b.push({ eventType: 'kora.operational_state.transitioned', payload: { from_primary_state: f, to_primary_state: t, claim_permission: 'normal', degradation_reasons: [], trigger: `step ${i}` } }); } await store.append(`ws-${w}`, b); }
await store.close();
