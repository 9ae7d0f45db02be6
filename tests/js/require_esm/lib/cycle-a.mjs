// required by cases.js while the function loads; cycle-b.cjs requires it back while it loads
import fromB from './cycle-b.cjs';

export { fromB };
export const a = 'a';
