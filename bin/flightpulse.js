#!/usr/bin/env node
// Thin launcher: runs the TypeScript CLI through tsx so `npx flightpulse` and `npm start` need no build step.
require("tsx/cjs");
require("./cli.ts").main(process.argv.slice(2));
