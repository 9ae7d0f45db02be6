// required by cases.js; it imports cycle-y.mjs, which imports cycle-z.cjs, which requires them back
import { fromZ, late } from './cycle-y.mjs';

export { fromZ, late };
export const x = 'x';
