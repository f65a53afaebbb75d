/// <reference path="../types/jupyterlab-scheduler.d.ts" />
import React from 'react';

import type { Scheduler } from '@jupyterlab/scheduler';

import { ProfilesState } from '../profiles';
import { SchedulerView } from '../schedulerViews';
import { CreateOptions } from './CreateOptions';
import { ReadOnlyOptions } from './ReadOnlyOptions';

export interface IAdvancedOptionsDeps {
  /** Loads `GET {baseUrl}scheduler/profiles`; called once per create form. */
  loadProfiles: () => Promise<ProfilesState>;
  /** Opens a job's log; the job detail view offers it. */
  openLog?: (jobId: string) => void;
}

/**
 * The "Additional options" panel of the scheduler UI: editable in the create form,
 * read-only in the job and job-definition detail views (and in any other view 2.11 might
 * pass it, such as editing a definition, so that it never breaks there).
 */
export function createAdvancedOptions(
  deps: IAdvancedOptionsDeps
): Scheduler.IAdvancedOptions {
  const AdvancedOptions = (props: Scheduler.IAdvancedOptionsProps): JSX.Element => {
    if (props.jobsView === SchedulerView.CreateForm) {
      const create = props as Extract<
        Scheduler.IAdvancedOptionsProps,
        { jobsView: typeof SchedulerView.CreateForm }
      >;
      return (
        <CreateOptions
          model={create.model}
          handleModelChange={create.handleModelChange}
          errors={create.errors}
          handleErrorsChange={create.handleErrorsChange}
          loadProfiles={deps.loadProfiles}
        />
      );
    }
    const model = props.model as {
      jobId?: string;
      runtimeEnvironmentParameters?: { [key: string]: string | number | boolean };
      idempotencyToken?: string;
      tags?: string[];
    };
    return (
      <ReadOnlyOptions
        kind={props.jobsView === SchedulerView.JobDetail ? 'job' : 'job-definition'}
        parameters={model.runtimeEnvironmentParameters}
        idempotencyToken={model.idempotencyToken}
        tags={model.tags}
        onOpenLog={
          props.jobsView === SchedulerView.JobDetail && model.jobId && deps.openLog
            ? () => deps.openLog?.(model.jobId as string)
            : undefined
        }
      />
    );
  };
  return AdvancedOptions;
}
