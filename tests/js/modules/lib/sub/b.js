exports.name = 'lib/sub/b';
