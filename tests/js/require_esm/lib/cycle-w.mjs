import { fromZ } from './cycle-y.mjs';

export const w = fromZ;
