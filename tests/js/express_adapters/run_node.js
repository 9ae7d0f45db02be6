// node run_node.js <handler module> <events.json>: each event's answer, in order
const path = require('path');
const [modulePath, eventsPath] = process.argv.slice(2);
const { handler } = require(path.resolve(modulePath));
const events = require(path.resolve(eventsPath));
const context = { functionName: 'fn', functionVersion: '1', awsRequestId: 'r1', callbackWaitsForEmptyEventLoop: true, getRemainingTimeInMillis: () => 5000 };
(async () => {
  const out = [];
  for (const event of events) out.push(await handler(event, context));
  console.log(JSON.stringify(out));
})();
