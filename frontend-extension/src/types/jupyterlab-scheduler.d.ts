/*
 * The parts of @jupyterlab/scheduler 2.11 this extension uses, declared by hand.
 *
 * Why: the 2.11.0 package on the npm registry ships its TypeScript sources but no
 * compiled `lib/` (neither .js nor .d.ts), so TypeScript cannot resolve its types and
 * jest cannot load it. At run time JupyterLab hands us the real module from the shared
 * scope (`sharedPackages`, singleton, not bundled). Every declaration here mirrors
 * `src/tokens.ts` and `src/model.ts` of 2.11.0; test/scheduler-contract.spec.ts reads
 * those files from node_modules and fails if they no longer say what is declared here.
 */
declare module '@jupyterlab/scheduler' {
  import type { Token } from '@lumino/coreutils';
  import type * as React from 'react';

  /** A numeric enum in 2.11 (CreateForm = 1, then consecutive values). */
  export enum JobsView {
    CreateForm = 1,
    CreateFromJobDescriptionForm = 2,
    ListJobs = 3,
    ListJobDefinitions = 4,
    JobDetail = 5,
    JobDefinitionDetail = 6,
    EditJobDefinition = 7
  }

  export type RuntimeEnvironmentParameters = {
    [key: string]: number | string | boolean;
  };

  export interface ICreateJobModel {
    jobName: string;
    inputFile: string;
    environment: string;
    createType: 'Job' | 'JobDefinition';
    runtimeEnvironmentParameters?: RuntimeEnvironmentParameters;
    idempotencyToken?: string;
    tags?: string[];
    [key: string]: unknown;
  }

  export interface IJobDetailModel {
    jobName: string;
    jobId: string;
    runtimeEnvironmentParameters?: RuntimeEnvironmentParameters;
    idempotencyToken?: string;
    tags?: string[];
    [key: string]: unknown;
  }

  export interface IJobDefinitionModel {
    name: string;
    definitionId: string;
    runtimeEnvironmentParameters?: RuntimeEnvironmentParameters;
    tags?: string[];
    [key: string]: unknown;
  }

  export namespace Scheduler {
    type ErrorsType = { [key: string]: string };

    interface IAdvancedOptionsSharedProps {
      errors: ErrorsType;
      handleErrorsChange: (errors: ErrorsType) => void;
    }

    interface IAdvancedOptionsCreateProps extends IAdvancedOptionsSharedProps {
      jobsView: JobsView.CreateForm;
      model: ICreateJobModel;
      handleModelChange: (model: ICreateJobModel) => void;
    }

    interface IAdvancedOptionsJobDetailProps
      extends IAdvancedOptionsSharedProps {
      jobsView: JobsView.JobDetail;
      model: IJobDetailModel;
      handleModelChange: (model: IJobDetailModel) => void;
    }

    interface IAdvancedOptionsJobDefinitionDetailProps
      extends IAdvancedOptionsSharedProps {
      jobsView: JobsView.JobDefinitionDetail;
      model: IJobDefinitionModel;
      handleModelChange: (model: IJobDefinitionModel) => void;
    }

    type IAdvancedOptionsProps =
      | IAdvancedOptionsCreateProps
      | IAdvancedOptionsJobDetailProps
      | IAdvancedOptionsJobDefinitionDetailProps;

    type IAdvancedOptions = React.FC<IAdvancedOptionsProps>;

    const IAdvancedOptions: Token<IAdvancedOptions>;
  }
}
