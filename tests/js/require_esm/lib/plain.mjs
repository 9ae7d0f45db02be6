import { attempt } from './failure.js';

export const plain = typeof attempt;
export default 'plain';
