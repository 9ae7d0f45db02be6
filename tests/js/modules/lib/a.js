exports.name = 'lib/a';
