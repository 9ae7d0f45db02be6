const cases = require('./cases');
exports.handler = async () => ({ status: '200', body: JSON.stringify(await cases.run()) });
