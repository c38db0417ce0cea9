import { expect } from "chai";
import {
  DRAFT_04,
  EVENT_SCHEMAS,
  EVENT_TYPES,
  eventBatchJsonSchemaDraft04,
  eventJsonSchemaDraft04,
  ISO_4217_CURRENCIES,
  MAX_BATCH_EVENTS,
} from "../../../../analytics/events";

type Node = Record<string, unknown>;
const walk = (node: unknown, visit: (n: Node) => void): void => {
  if (Array.isArray(node)) {
    for (const n of node) walk(n, visit);
  } else if (typeof node === "object" && node !== null) {
    visit(node as Node);
    for (const n of Object.values(node)) walk(n, visit);
  }
};

describe("event JSON Schema (draft-04, the API Gateway model)", () => {
  const schema = eventJsonSchemaDraft04();

  it("declares draft-04 and one branch per event type", () => {
    expect(schema["$schema"]).to.equal(DRAFT_04);
    const branches = schema["oneOf"] as Node[];
    expect(branches.map((b) => b["title"])).to.deep.equal([...EVENT_TYPES]);
  });

  it("uses no keyword draft-04 lacks and leaks none of our own", () => {
    walk(schema, (n) => {
      for (const k of ["const", "errorMessage", "$id", "examples", "if", "then", "else"]) {
        expect(n, `keyword ${k}`).not.to.have.property(k);
      }
      for (const k of ["exclusiveMinimum", "exclusiveMaximum"]) {
        if (k in n) expect(n[k]).to.be.a("boolean");
      }
    });
  });

  it("requires exactly the fields the validator requires, per type", () => {
    const branches = schema["oneOf"] as Node[];
    EVENT_TYPES.forEach((type, i) => {
      expect(branches[i]?.["required"]).to.deep.equal(EVENT_SCHEMAS[type].required);
      expect(Object.keys(branches[i]?.["properties"] as Node)).to.deep.equal(
        Object.keys(EVENT_SCHEMAS[type].properties),
      );
      expect(branches[i]?.["additionalProperties"]).to.equal(false);
    });
  });

  it("turns literal unions into enums (currency, cabin, type)", () => {
    const booking = (schema["oneOf"] as Node[])[1] as { properties: Record<string, Node> };
    expect(booking.properties["type"]).to.deep.equal({ type: "string", enum: ["booking.created"] });
    expect(booking.properties["cabin"]?.["enum"]).to.deep.equal([
      "economy",
      "premium_economy",
      "business",
      "first",
    ]);
    const fare = booking.properties["fare"] as { properties: Record<string, Node> };
    expect(fare.properties["currency"]?.["enum"]).to.deep.equal([...ISO_4217_CURRENCIES]);
  });

  it("wraps the same event schema in a PutRecords-sized batch", () => {
    const batch = eventBatchJsonSchemaDraft04();
    const events = (batch["properties"] as Record<string, Node>)["events"] as Node;
    expect(events["maxItems"]).to.equal(MAX_BATCH_EVENTS);
    const { $schema: _s, ...single } = schema;
    expect(events["items"]).to.deep.equal(single);
  });
});
