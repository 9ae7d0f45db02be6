'use strict';
// Reports process.memoryUsage() before and after this request keeps ~4 MB of objects.
const kept = [];

exports.handler = async () => {
  const before = process.memoryUsage();
  for (let i = 0; i < 40000; i++) kept.push({ i, text: 'x'.repeat(64) + i });
  const after = process.memoryUsage();
  const rss = process.memoryUsage.rss();
  return {
    status: '200',
    headers: { 'content-type': [{ key: 'Content-Type', value: 'application/json' }] },
    body: JSON.stringify({ before, after, rss, keys: Object.keys(after) }),
  };
};
