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
