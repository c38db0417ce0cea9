// Helpers shared by the components: tags, JSON policies from Outputs, role creation from a document.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { PolicyDocument } from "../iam/policy-document";
import { assumeRolePolicy } from "../iam/policy-document";

export const baseTags = (stack: string, component: string): Record<string, string> => ({
  project: "flightpulse",
  stack,
  component,
  "managed-by": "pulumi",
});

/** A role that `service` assumes, with one inline policy built from resolved ARNs. */
export function serviceRole(
  name: string,
  service: string,
  document: pulumi.Input<PolicyDocument>,
  opts: pulumi.CustomResourceOptions & { tags: Record<string, string> },
): aws.iam.Role {
  const role = new aws.iam.Role(
    name,
    { assumeRolePolicy: JSON.stringify(assumeRolePolicy(service)), tags: opts.tags },
    { parent: opts.parent },
  );
  new aws.iam.RolePolicy(
    `${name}-policy`,
    { role: role.id, policy: pulumi.output(document).apply((d) => JSON.stringify(d)) },
    { parent: role },
  );
  return role;
}

export interface PrivateBucketArgs {
  readonly bucketPrefix: string;
  readonly forceDestroy: boolean;
  readonly kmsKeyArn: pulumi.Input<string>;
  readonly tags: Record<string, string>;
}

/**
 * An S3 bucket nobody outside the account can reach: public access blocked, ACLs off (owner enforced),
 * encrypted by default with the stack's KMS key. Children are named `<name>-private`, `-owner`, `-sse`.
 */
export function privateBucket(name: string, args: PrivateBucketArgs, parent: pulumi.Resource): aws.s3.Bucket {
  const bucket = new aws.s3.Bucket(
    name,
    { bucketPrefix: args.bucketPrefix, forceDestroy: args.forceDestroy, tags: args.tags },
    { parent },
  );
  new aws.s3.BucketPublicAccessBlock(
    `${name}-private`,
    {
      bucket: bucket.id,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    },
    { parent },
  );
  new aws.s3.BucketOwnershipControls(
    `${name}-owner`,
    { bucket: bucket.id, rule: { objectOwnership: "BucketOwnerEnforced" } },
    { parent },
  );
  new aws.s3.BucketServerSideEncryptionConfiguration(
    `${name}-sse`,
    {
      bucket: bucket.id,
      rules: [
        {
          applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: args.kmsKeyArn },
          bucketKeyEnabled: true,
        },
      ],
    },
    { parent },
  );
  return bucket;
}
