const { run } = require('./cases.js');

exports.handler = async () => ({ status: '200', body: JSON.stringify(run()) });
