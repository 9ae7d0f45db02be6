#!/usr/bin/env node
export const shebang = typeof import.meta.url;
