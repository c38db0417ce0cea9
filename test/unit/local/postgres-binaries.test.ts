import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { expect } from "chai";
import { binOthersCanRun, restoreLibraryLinks } from "../../../local/emulators/postgres-server";

describe("npm's PostgreSQL: library links a tarball lost", () => {
  let pkg: string;
  beforeEach(() => {
    pkg = fs.mkdtempSync(path.join(os.tmpdir(), "fp-pglinks-"));
    fs.mkdirSync(path.join(pkg, "native", "lib"), { recursive: true });
    fs.writeFileSync(path.join(pkg, "native", "lib", "libpq.so.5.18"), "the library");
    fs.writeFileSync(
      path.join(pkg, "native", "pg-symlinks.json"),
      JSON.stringify([
        { source: "native/lib/libpq.so.5.18", target: "native/lib/libpq.so.5" },
        { source: "native/lib/libpq.so.5.18", target: "native/lib/libpq.so" },
      ]),
    );
  });
  afterEach(() => fs.rmSync(pkg, { recursive: true, force: true }));

  it("creates the missing ones, relative to their folder, and leaves the present ones alone", () => {
    fs.writeFileSync(path.join(pkg, "native", "lib", "libpq.so"), "a file already there");
    restoreLibraryLinks(path.join(pkg, "native"));
    const lib = path.join(pkg, "native", "lib");
    expect(fs.readlinkSync(path.join(lib, "libpq.so.5"))).to.equal("libpq.so.5.18");
    expect(fs.readFileSync(path.join(lib, "libpq.so.5"), "utf8")).to.equal("the library");
    expect(fs.lstatSync(path.join(lib, "libpq.so")).isSymbolicLink()).to.equal(false);
    // A second pass finds nothing to do.
    restoreLibraryLinks(path.join(pkg, "native"));
    expect(fs.readdirSync(lib).sort()).to.deep.equal(["libpq.so", "libpq.so.5", "libpq.so.5.18"]);
  });
});

describe("npm's PostgreSQL where the postgres user cannot reach it", () => {
  let home: string;
  const made: string[] = [];
  beforeEach(() => {
    // An installation (bin, lib) inside a folder closed to other users, as a checkout in root's home is.
    home = fs.mkdtempSync(path.join(os.tmpdir(), "fp-closed-"));
    fs.chmodSync(home, 0o700);
    const root = path.join(home, "pkg", "native");
    fs.mkdirSync(path.join(root, "bin"), { recursive: true });
    fs.mkdirSync(path.join(root, "lib"));
    fs.writeFileSync(path.join(root, "bin", "postgres"), "#!/bin/sh\n", { mode: 0o755 });
    fs.writeFileSync(path.join(root, "lib", "libpq.so.5.18"), "the library");
    fs.symlinkSync("libpq.so.5.18", path.join(root, "lib", "libpq.so.5"));
    fs.writeFileSync(path.join(home, "pkg", "package.json"), JSON.stringify({ version: "18.4.0-beta.17" }));
  });
  afterEach(() => {
    for (const d of [home, ...made.splice(0)]) fs.rmSync(d, { recursive: true, force: true });
  });

  const opensToOthers = (dir: string) => {
    for (let d = dir; path.dirname(d) !== d; d = path.dirname(d))
      expect(fs.statSync(d).mode & 0o001, `${d} lets others through`).to.equal(1);
  };

  it("runs a copy of the installation others can reach, made once and used again", () => {
    const bin = path.join(home, "pkg", "native", "bin");
    const copy = binOthersCanRun(bin);
    made.push(path.dirname(copy));
    expect(copy).to.not.equal(bin);
    expect(path.basename(copy)).to.equal("bin");
    opensToOthers(copy);
    expect(fs.statSync(path.join(copy, "postgres")).mode & 0o777).to.equal(0o755);
    const lib = path.join(path.dirname(copy), "lib");
    expect(fs.readlinkSync(path.join(lib, "libpq.so.5"))).to.equal("libpq.so.5.18");
    expect(fs.readFileSync(path.join(lib, "libpq.so.5"), "utf8")).to.equal("the library");
    expect(binOthersCanRun(bin), "the second start").to.equal(copy);
  });

  it("does not use a copy others could have written, and leaves a reachable installation where it is", () => {
    const bin = path.join(home, "pkg", "native", "bin");
    const first = binOthersCanRun(bin);
    made.push(path.dirname(first));
    fs.chmodSync(path.dirname(first), 0o777);
    const second = binOthersCanRun(bin);
    made.push(path.dirname(second));
    expect(second).to.not.equal(first);
    opensToOthers(second);
    fs.chmodSync(home, 0o755);
    expect(binOthersCanRun(bin)).to.equal(bin);
  });
});
