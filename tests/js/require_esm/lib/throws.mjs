export const before = 1;
throw new RangeError('this module fails while it loads');
