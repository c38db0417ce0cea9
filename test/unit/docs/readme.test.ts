import * as fs from "node:fs";
import * as path from "node:path";
import { expect } from "chai";
import { README, renderReadme } from "../../../scripts/update-docs";

describe("README", () => {
  const text = fs.readFileSync(README, "utf8");

  it("has its generated reference tables up to date (run `npm run docs`)", () => {
    expect(renderReadme(text) === text, "README.md is stale: run npm run docs").to.equal(true);
  });

  it("keeps the two-command quick start", () => {
    expect(text).to.include("npm install && npm start");
    expect(text).to.include("npm test");
  });

  it("links only to docs that exist", () => {
    const links = [...text.matchAll(/\]\(((?:docs|bench)\/[^)#]+)\)/g)].map((m) => m[1] as string);
    expect(links.length).to.be.greaterThan(3);
    const missing = links.filter((l) => !fs.existsSync(path.join(path.dirname(README), l)));
    expect(missing, `README links to missing files: ${missing.join(", ")}`).to.deep.equal([]);
  });
});
