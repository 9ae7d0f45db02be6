exports.twice = (s) => s + s;
