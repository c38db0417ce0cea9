import { expect } from "chai";
import fc from "fast-check";
import {
  afterCheckpoint,
  aggregate,
  deaggregate,
  KPL_MAGIC,
} from "../../../consumers/kcl/retrieval/kpl-aggregation";

const SEQ = "49590338271490256608559692538361571095921575989136588898";

describe("KPL aggregation", () => {
  it("de-aggregates what was aggregated: data, partition keys and sub-sequence numbers, in order", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            data: fc.uint8Array({ maxLength: 300 }),
            partitionKey: fc.constantFrom("LHR-JFK", "JFK-LAX", "CDG-FCO"),
          }),
          {
            minLength: 1,
            maxLength: 60,
          },
        ),
        (records) => {
          const users = deaggregate({ data: aggregate(records), partitionKey: "agg", sequenceNumber: SEQ });
          expect(
            users.map((u) => [
              Buffer.from(u.data).toString("hex"),
              u.partitionKey,
              u.subSequenceNumber,
              u.aggregated,
            ]),
          ).to.deep.equal(
            records.map((r, i) => [Buffer.from(r.data).toString("hex"), r.partitionKey, i, true]),
          );
          expect(users.every((u) => u.sequenceNumber === SEQ)).to.equal(true);
        },
      ),
      { numRuns: 100 },
    );
  });

  it("treats plain records, and aggregated ones with a bad digest, as one user record", () => {
    const plain = deaggregate({
      data: Buffer.from('{"type":"booking.created"}'),
      partitionKey: "LHR-JFK",
      sequenceNumber: SEQ,
    });
    expect(plain).to.have.length(1);
    expect(plain[0]).to.include({ aggregated: false, subSequenceNumber: 0, partitionKey: "LHR-JFK" });
    const agg = aggregate([{ data: Buffer.from("x"), partitionKey: "k" }]);
    agg[agg.length - 1] = (agg[agg.length - 1] as number) ^ 0xff;
    const corrupted = deaggregate({ data: agg, partitionKey: "k", sequenceNumber: SEQ });
    expect(corrupted).to.have.length(1);
    expect(corrupted[0]?.aggregated).to.equal(false);
    expect(Buffer.from(agg.subarray(0, 4)).equals(KPL_MAGIC)).to.equal(true);
  });

  it("resumes after a checkpoint inside an aggregated record at the next sub-record", () => {
    const users = deaggregate({
      data: aggregate([0, 1, 2, 3].map((i) => ({ data: Buffer.from(`r${i}`), partitionKey: "k" }))),
      partitionKey: "k",
      sequenceNumber: SEQ,
    });
    const rest = afterCheckpoint(users, { sequenceNumber: SEQ, subSequenceNumber: 1 });
    expect(rest.map((u) => Buffer.from(u.data).toString())).to.deep.equal(["r2", "r3"]);
    expect(afterCheckpoint(users, { sequenceNumber: "1", subSequenceNumber: 0 })).to.have.length(4);
  });
});
