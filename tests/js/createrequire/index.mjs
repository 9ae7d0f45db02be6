// ES module handler over cases.mjs: the same run() real Node gives (tests/test_js_porting.py).
import { run } from './cases.mjs';

export const handler = async () => ({
  status: '200',
  headers: { 'content-type': [{ key: 'Content-Type', value: 'application/json' }] },
  body: JSON.stringify({ cases: await run(), url: import.meta.url, filename: import.meta.filename, dirname: import.meta.dirname }),
});
