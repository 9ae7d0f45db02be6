'use strict';
const serverlessExpress = require('@codegenie/serverless-express');
const makeApp = require('./express_app');
exports.handler = serverlessExpress({ app: makeApp(require('express4')) });
