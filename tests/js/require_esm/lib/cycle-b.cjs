'use strict';
const { attempt } = require('./failure.js');

module.exports = attempt(() => require('./cycle-a.mjs'));
