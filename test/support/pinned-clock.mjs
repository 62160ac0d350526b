import process from 'node:process';

// Loaded into a CLI child (NODE_OPTIONS=--import) to stop its wall clock at OPSTATE_TEST_CLOCK, so two
// runs read the very same time: what two runs in one second (or one millisecond) would see. Timers are
// untouched; only Date is.
const pinned = Date.parse(process.env.OPSTATE_TEST_CLOCK ?? '');
if (Number.isNaN(pinned)) throw new Error('OPSTATE_TEST_CLOCK must be an ISO time');
const RealDate = Date;
class PinnedDate extends RealDate {
  constructor(...args) {
    if (args.length === 0) super(pinned);
    else super(...args);
  }
  static now() {
    return pinned;
  }
}
globalThis.Date = PinnedDate;
