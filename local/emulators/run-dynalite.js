// Child-process entry for dynalite: in memory, or on disk (leveldb) when a path is given.
"use strict";
const dynalite = require("dynalite");

const [port, host, dataPath] = process.argv.slice(2);
const server = dynalite(
  dataPath
    ? { path: dataPath, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 }
    : { createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 },
);
server.listen(Number(port), host, () => process.stdout.write("ready\n"));
