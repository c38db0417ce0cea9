// The interop tests' auditor must be able to fail: each kind of delivery fault, written as record logs,
// is caught, and a clean hand-off and an explained re-read after a lost lease are not.
import { expect } from "chai";
import { auditDelivery } from "../../interop/delivery-audit";
import type { LogLine } from "../../interop/worker-process";

const line = (
  kind: LogLine["kind"],
  worker: string,
  position: string,
  at: number,
  shard = "s-0",
): LogLine => ({
  kind,
  shard,
  position,
  subSequenceNumber: 0,
  worker,
  at,
});
const put = ["100", "200", "300", "400"].map((sequenceNumber) => ({ shard: "s-0", sequenceNumber }));

/** java-1 processes 100 and 200 and checkpoints 200; flightpulse resumes at 200 and does the rest. */
const handOff = (): LogLine[] => [
  line("I", "java-1", "TRIM_HORIZON", 1),
  line("R", "java-1", "100", 2),
  line("R", "java-1", "200", 3),
  line("C", "java-1", "200", 4),
  line("I", "fp-1", "200", 10),
  line("R", "fp-1", "300", 11),
  line("R", "fp-1", "400", 12),
  line("C", "fp-1", "400", 13),
];

describe("interop delivery audit", () => {
  it("passes a hand-off at the exact checkpoint", () => {
    const a = auditDelivery(put, handOff());
    expect(a).to.deep.include({
      processed: 4,
      missing: [],
      unexpected: [],
      explainedDuplicates: [],
      unexplainedDuplicates: [],
      rereadBeforeCheckpoint: [],
      badResumes: [],
    });
  });

  it("catches a skipped record and one nobody put", () => {
    const lines = handOff().filter((l) => l.position !== "300");
    lines.push(line("R", "fp-1", "999", 12));
    const a = auditDelivery(put, lines);
    expect(a.missing).to.deep.equal(["s-0/300/0"]);
    expect(a.unexpected).to.deep.equal(["s-0/999/0"]);
  });

  it("catches a resume behind the checkpoint, and the records it read again", () => {
    const lines = handOff().map((l) =>
      l.kind === "I" && l.worker === "fp-1" ? { ...l, position: "100" } : l,
    );
    lines.push(line("R", "fp-1", "200", 10.5));
    const a = auditDelivery(put, lines);
    expect(a.badResumes).to.have.length(1);
    expect(a.badResumes[0]).to.contain("behind the checkpoint 200");
    expect(a.unexplainedDuplicates).to.deep.equal(["s-0/200/0"]);
  });

  it("catches a record at or before the starting checkpoint processed again", () => {
    const lines = [...handOff(), line("R", "fp-1", "200", 11.5)];
    expect(auditDelivery(put, lines).rereadBeforeCheckpoint).to.deep.equal(["fp-1 on s-0 from 200: 200"]);
  });

  it("explains a re-read of records the lost owner never checkpointed, and only those", () => {
    // java-1 read 300 but died before checkpointing it: fp-1 resuming at 200 reads it again.
    const lines = [...handOff(), line("R", "java-1", "300", 5)].sort((a, b) => a.at - b.at);
    const a = auditDelivery(put, lines);
    expect(a.explainedDuplicates).to.deep.equal(["s-0/300/0"]);
    expect(a.unexplainedDuplicates).to.deep.equal([]);
    // The same re-read after java-1 had checkpointed 300 is a fault.
    const committed = [...lines, line("C", "java-1", "300", 6)].sort((x, y) => x.at - y.at);
    expect(auditDelivery(put, committed).unexplainedDuplicates).to.deep.equal(["s-0/300/0"]);
  });
});
