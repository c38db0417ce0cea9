import { expect } from "chai";
import { UNSCOPABLE_ACTIONS } from "../../pulumi/iam/policies";
import { allStackRuns, type Captured, type StackRun } from "./harness";

interface Statement {
  Sid?: string;
  Effect: string;
  Action: string | string[];
  Resource?: string | string[];
  Principal?: unknown;
  Condition?: unknown;
}

const list = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
const doc = (raw: unknown): { Statement: Statement[] } => JSON.parse(raw as string);

describe("policy checks over every resource of every stack", function () {
  this.timeout(60_000);
  let runs: Map<string, StackRun>;
  before(async () => {
    runs = await allStackRuns();
  });
  const each = (fn: (run: StackRun, stack: string) => void) => () => {
    for (const [stack, run] of runs) fn(run, stack);
  };

  it(
    "encrypts at rest everything that stores data, with the stack's KMS key",
    each((run, stack) => {
      const kms = (r: Captured, value: unknown) =>
        expect(value, `${stack} ${r.type} ${r.name}`)
          .to.be.a("string")
          .and.match(/^arn:aws:kms:/);
      for (const s of run.of("aws:kinesis/stream:Stream")) {
        expect(s.inputs["encryptionType"]).to.equal("KMS");
        kms(s, s.inputs["kmsKeyId"]);
      }
      for (const t of run.of("aws:dynamodb/table:Table"))
        kms(t, (t.inputs["serverSideEncryption"] as { kmsKeyArn: string }).kmsKeyArn);
      for (const t of run.of("aws:sns/topic:Topic")) kms(t, t.inputs["kmsMasterKeyId"]);
      for (const l of run.of("aws:cloudwatch/logGroup:LogGroup")) kms(l, l.inputs["kmsKeyId"]);
      for (const f of run.of("aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream")) {
        kms(f, (f.inputs["extendedS3Configuration"] as { kmsKeyArn: string }).kmsKeyArn);
      }
      for (const r of run.of("aws:ecr/repository:Repository")) {
        const [enc] = r.inputs["encryptionConfigurations"] as { encryptionType: string; kmsKey: string }[];
        expect(enc?.encryptionType).to.equal("KMS");
        kms(r, enc?.kmsKey);
      }
      for (const n of run.of("aws:redshiftserverless/namespace:Namespace")) {
        kms(n, n.inputs["kmsKeyId"]);
        expect(n.inputs["manageAdminPassword"], "admin password in Secrets Manager").to.equal(true);
      }
      for (const k of run.of("aws:kms/key:Key")) expect(k.inputs["enableKeyRotation"]).to.equal(true);
      const buckets = run.of("aws:s3/bucket:Bucket").map((b) => b.id);
      const sse = run.of(
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
      );
      expect(buckets.length).to.be.greaterThan(0);
      for (const b of buckets) {
        const rule = sse.find((e) => e.inputs["bucket"] === b)?.inputs["rules"] as
          | { applyServerSideEncryptionByDefault: { sseAlgorithm: string } }[]
          | undefined;
        expect(rule?.[0]?.applyServerSideEncryptionByDefault.sseAlgorithm, `bucket ${b}`).to.equal("aws:kms");
      }
    }),
  );

  it(
    "grants no `*` action, and no `*` resource except where the service cannot scope it",
    each((run, stack) => {
      const policies = [...run.of("aws:iam/rolePolicy:RolePolicy"), ...run.of("aws:iam/policy:Policy")];
      expect(policies.length).to.be.greaterThan(4);
      for (const p of policies) {
        for (const st of doc(p.inputs["policy"]).Statement) {
          const where = `${stack} ${p.name} ${st.Sid}`;
          for (const action of list(st.Action)) expect(action, where).not.to.match(/(^\*$|:\*$)/);
          if (list(st.Resource).includes("*")) {
            const unscopable = list(st.Action).filter((a) => !(a in UNSCOPABLE_ACTIONS));
            expect(unscopable, `${where}: * resource for actions that can be scoped`).to.deep.equal([]);
          }
          for (const r of list(st.Resource)) expect(r, where).to.match(/^(\*|arn:aws:)/);
        }
      }
      for (const role of run.of("aws:iam/role:Role")) {
        const trust = doc(role.inputs["assumeRolePolicy"]).Statement;
        for (const st of trust)
          expect((st.Principal as { Service?: string }).Service, role.name).to.match(/\.amazonaws\.com$/);
      }
    }),
  );

  it(
    "exposes nothing publicly",
    each((run, stack) => {
      for (const b of run.of("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock")) {
        expect(b.inputs).to.include({
          blockPublicAcls: true,
          blockPublicPolicy: true,
          ignorePublicAcls: true,
          restrictPublicBuckets: true,
        });
      }
      const blocked = run
        .of("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock")
        .map((b) => b.inputs["bucket"]);
      expect(blocked).to.have.members(run.of("aws:s3/bucket:Bucket").map((b) => b.id));
      for (const w of run.of("aws:redshiftserverless/workgroup:Workgroup"))
        expect(w.inputs["publiclyAccessible"]).to.equal(false);
      for (const sg of run.of("aws:ec2/securityGroup:SecurityGroup")) {
        for (const rule of list(
          sg.inputs["ingress"] as { cidrBlocks?: string[]; ipv6CidrBlocks?: string[] }[],
        )) {
          expect(rule.cidrBlocks ?? [], `${stack} ${sg.name}`).not.to.include("0.0.0.0/0");
          expect(rule.ipv6CidrBlocks ?? [], `${stack} ${sg.name}`).not.to.include("::/0");
        }
      }
      for (const r of run.of("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"))
        expect(r.inputs["cidrIpv4"]).not.to.equal("0.0.0.0/0");
      expect(run.of("aws:ec2/internetGateway:InternetGateway"), "no internet gateway").to.deep.equal([]);
      for (const s of run.of("aws:ec2/subnet:Subnet"))
        expect(s.inputs["mapPublicIpOnLaunch"]).to.equal(false);
      const service = run.of("aws:ecs/service:Service")[0] as Captured;
      expect((service.inputs["networkConfiguration"] as { assignPublicIp: boolean }).assignPublicIp).to.equal(
        false,
      );
      for (const t of run.of("aws:sns/topicPolicy:TopicPolicy")) {
        const deny = doc(t.inputs["policy"]).Statement.find((s) => s.Sid === "TlsOnly");
        expect(deny?.Effect, `${t.name} TLS-only`).to.equal("Deny");
      }
    }),
  );

  it(
    "runs the workers across at least two availability zones",
    each((run) => {
      const service = run.of("aws:ecs/service:Service")[0] as Captured;
      const subnetIds = (service.inputs["networkConfiguration"] as { subnets: string[] }).subnets;
      const zones = new Set(
        run
          .of("aws:ec2/subnet:Subnet")
          .filter((s) => subnetIds.includes(s.id))
          .map((s) => s.inputs["availabilityZone"]),
      );
      expect(zones.size).to.be.at.least(2);
    }),
  );
});
