export const name = 'esm-target';
