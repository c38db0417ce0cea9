import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { expect } from "chai";
import { restoreLibraryLinks } from "../../../local/emulators/postgres-server";

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
