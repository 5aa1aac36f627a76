// Every stack of the infrastructure, from the account settings and the project files: the
// foundation, and one stack per project and region.
import type { App } from "cdktn";
import type { InfraConfig } from "./config.ts";
import { foundationStackName, projectStackName } from "./names.ts";
import type { ProjectStackInput } from "./project-inputs.ts";
import { FoundationStack } from "./stacks/foundation-stack.ts";
import { ProjectStack } from "./stacks/project-stack.ts";

export function addStacks(
  app: App,
  options: { readonly config: InfraConfig; readonly projects: readonly ProjectStackInput[] },
): { foundation: FoundationStack; projects: ProjectStack[] } {
  const foundation = new FoundationStack(app, foundationStackName(), { config: options.config });
  const projects = options.projects.map(
    (input) =>
      new ProjectStack(app, projectStackName(input.project, input.region), { input, config: options.config }),
  );
  return { foundation, projects };
}
