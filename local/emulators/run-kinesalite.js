// Child-process entry for kinesalite (fast, older Kinesis API): in memory, on the given port and host.
"use strict";
const kinesalite = require("kinesalite");

const [port, host, shardLimit] = process.argv.slice(2);
const server = kinesalite({
  createStreamMs: 0,
  deleteStreamMs: 0,
  updateStreamMs: 0,
  shardLimit: Number(shardLimit || 100),
});
server.listen(Number(port), host, () => process.stdout.write("ready\n"));
