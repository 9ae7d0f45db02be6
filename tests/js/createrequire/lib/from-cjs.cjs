// require('module') from CommonJS, as packages that build a require for another directory do
const { createRequire } = require('module');
module.exports = createRequire(__filename)('../data.json').n;
