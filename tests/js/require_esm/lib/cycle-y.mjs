import z from './cycle-z.cjs';

export const fromZ = z.attempts;
export const late = z.late(); // a require() of this module while it runs
