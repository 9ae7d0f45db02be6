'use strict';
const makeApp = require('./koa_app');
exports.handler = require('./koa_edge')(makeApp(require('koa3')));
