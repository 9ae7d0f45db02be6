exports.name = 'cjs-target';
