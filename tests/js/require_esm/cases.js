'use strict';
// Cases run by index.js inside the edge and by `node -e` (tests/test_js_require_esm.py): each result
// must be the same.
const atLoad = require('esm-only'); // required while the function loads (at build time, here)
const { attempt } = require('./lib/failure.js');
// a cycle through require(): cycle-a.mjs imports cycle-b.cjs, which requires cycle-a.mjs (and
// catches Node's ERR_REQUIRE_CYCLE_MODULE), while the function loads
const cycleAtLoad = attempt(() => require('./lib/cycle-a.mjs'));

function failure(f) {
  try {
    return { returned: String(f()) };
  } catch (err) {
    return { name: err.name, message: err.message, code: err.code };
  }
}

function requireESM() {
  const again = require('esm-only');
  const lazy = require('./lib/../node_modules/esm-only/dist-node/stringify.js'); // first required now
  const chosen = require('esm-module-exports');
  return {
    same: atLoad === again,
    toStringTag: atLoad[Symbol.toStringTag],
    keys: Object.keys(atLoad),
    esModule: Object.getOwnPropertyDescriptor(atLoad, '__esModule'),
    extensible: Object.isExtensible(atLoad),
    lazyKeys: Object.keys(lazy),
    default: atLoad.default,
    loads: atLoad.loads,
    uuid: atLoad.nameUuid('https://example.com/a'),
    lazy: lazy.bytesToUuid([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]),
    chosen: [typeof chosen, chosen('edge'), chosen.extra],
    condition: require('sync-cond').which,
    throws: failure(() => require('./lib/throws.mjs')),
    throwsAgain: failure(() => require('./lib/throws.mjs')),
    tla: failure(() => require('./lib/tla.mjs')).code,
  };
}

// require() of an ES module in a cycle throws ERR_REQUIRE_CYCLE_MODULE (Node's messages, one for
// a module being required, one for a module being imported, one for a module that imports one)
function cycles() {
  const x = attempt(() => require('./lib/cycle-x.mjs'));
  const ns = require('./lib/cycle-x.mjs');
  return {
    atLoad: cycleAtLoad,
    fromB: require('./lib/cycle-a.mjs').fromB,
    x,
    fromZ: ns.fromZ,
    late: ns.late,
    again: attempt(() => require('./lib/cycle-y.mjs')),
    deeperAgain: attempt(() => require('./lib/cycle-w.mjs')),
    plain: require('./lib/plain.mjs').plain,
  };
}

// A Date setter given NaN or an infinity makes a valid date invalid (date-fns' parseISO('nope')
// relies on it to return an Invalid Date); an invalid date stays invalid, setFullYear starts from 0.
function dateSetters() {
  const set = (method, start, ...args) => {
    const d = new Date(start);
    const returned = d[method](...args);
    return [returned, d.getTime()];
  };
  return {
    setUTCFullYear: set('setUTCFullYear', 0, NaN, 0, 1),
    setFullYear: set('setFullYear', 1e12, NaN),
    setFullYearInvalid: set('setFullYear', NaN, 2020, 1, 2),
    setFullYearInvalidNaN: set('setFullYear', NaN, NaN),
    setUTCMonth: set('setUTCMonth', 1e12, NaN),
    setMonthInfinity: set('setMonth', 1e12, 1, Infinity),
    setUTCDate: set('setUTCDate', 1e12, -Infinity),
    setHours: set('setHours', 1e12, 1, NaN),
    setUTCMinutes: set('setUTCMinutes', 1e12, undefined),
    setSeconds: set('setSeconds', 1e12, 5, NaN),
    setMilliseconds: set('setMilliseconds', 1e12, NaN),
    setMinutesInvalid: set('setMinutes', NaN, 5),
    setHoursFinite: set('setUTCHours', 1e12, 25, 61, 61, 1001),
    setUTCSecondsNoArgs: set('setUTCSeconds', 1e12),
    coercedFirst: (() => {
      const seen = [];
      const d = new Date(NaN);
      d.setMinutes({ valueOf() { seen.push('coerced'); return 5; } });
      return [seen, d.getTime()];
    })(),
  };
}

exports.run = () => ({ requireESM: requireESM(), cycles: cycles(), dateSetters: dateSetters() });
