import { createMachine } from 'xstate';

/** Every transition form XState accepts, on an ordinary machine (no opstate in it). */
export const trafficLight = createMachine(
  {
    id: 'light',
    initial: 'green',
    context: { cycles: 0 },
    states: {
      green: { on: { TIMER: 'yellow', EMERGENCY: ['flashing'] } },
      yellow: { on: { TIMER: { target: 'red' } }, after: { 2000: 'red' } },
      red: {
        on: {
          TIMER: [{ guard: 'rushHour', target: 'redLong' }, { target: 'green' }],
          PING: { actions: 'log' },
        },
      },
      redLong: { after: { rushHourDelay: { target: 'green' } } },
      flashing: { always: [{ guard: 'repaired', target: 'green' }], on: { RESET: '#light.green' } },
    },
  },
  {
    guards: { rushHour: () => false, repaired: () => false },
    delays: { rushHourDelay: 1000 },
    actions: { log: () => {} },
  },
);
