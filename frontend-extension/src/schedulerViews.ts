/**
 * The values of @jupyterlab/scheduler 2.11's `JobsView` enum that the options panel
 * tells apart. Kept as plain numbers so that the component does not import the
 * scheduler package at run time (its npm build has no `lib/`, so jest could not load
 * it); test/scheduler-contract.spec.ts pins them to the package's source.
 */
export const SchedulerView = {
  CreateForm: 1,
  JobDetail: 5,
  JobDefinitionDetail: 6,
  EditJobDefinition: 7
} as const;
