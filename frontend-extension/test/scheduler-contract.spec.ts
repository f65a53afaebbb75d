/**
 * Pins what this extension assumes about @jupyterlab/scheduler 2.11 (declared by hand in
 * src/types/jupyterlab-scheduler.d.ts and src/schedulerViews.ts, because the npm package
 * has no compiled lib/) to the package's own sources in node_modules.
 */
import * as fs from 'fs';
import * as path from 'path';

import { SchedulerView } from '../src/schedulerViews';

const root = path.dirname(require.resolve('@jupyterlab/scheduler/package.json'));
const source = (file: string): string => fs.readFileSync(path.join(root, 'src', file), 'utf8');

describe('@jupyterlab/scheduler 2.11 contract', () => {
  it('is version 2.11', () => {
    expect(require('@jupyterlab/scheduler/package.json').version).toMatch(/^2\.11\./);
  });

  it('JobsView is the numeric enum the panel compares with', () => {
    const body = /export enum JobsView \{([^}]*)\}/.exec(source('model.ts'));
    expect(body).not.toBeNull();
    const members = (body as RegExpExecArray)[1]
      .split('\n')
      .map(line => line.replace(/\/\/.*$/, '').trim().replace(/,$/, ''))
      .filter(line => line !== '');
    expect(members).toEqual([
      'CreateForm = 1',
      'CreateFromJobDescriptionForm',
      'ListJobs',
      'ListJobDefinitions',
      'JobDetail',
      'JobDefinitionDetail',
      'EditJobDefinition'
    ]);
    const value = (name: string): number => members.findIndex(m => m.startsWith(name)) + 1;
    expect(SchedulerView.CreateForm).toBe(value('CreateForm'));
    expect(SchedulerView.JobDetail).toBe(value('JobDetail'));
    expect(SchedulerView.JobDefinitionDetail).toBe(value('JobDefinitionDetail'));
    expect(SchedulerView.EditJobDefinition).toBe(value('EditJobDefinition'));
  });

  it('the token and the props are as declared', () => {
    const tokens = source('tokens.ts');
    expect(tokens).toContain("'@jupyterlab/scheduler:IAdvancedOptions'");
    for (const prop of ['jobsView', 'model', 'handleModelChange', 'errors', 'handleErrorsChange']) {
      expect(tokens).toMatch(new RegExp(`\\b${prop}:`));
    }
    expect(tokens).toContain('export type ErrorsType = { [key: string]: string };');
  });

  it('the models carry the fields the panel reads and writes', () => {
    const model = source('model.ts');
    for (const field of [
      'runtimeEnvironmentParameters?: { [key: string]: number | string | boolean };',
      'idempotencyToken?: string;',
      'tags?: string[];',
      "createType: 'Job' | 'JobDefinition';"
    ]) {
      expect(model).toContain(field);
    }
  });

  it('the create form blocks Create on any non-empty error of the panel', () => {
    const createJob = source('mainviews/create-job.tsx');
    expect(createJob).toContain('handleErrorsChange={setAdvancedOptionsErrors}');
    expect(createJob).toMatch(/anyAdvancedErrors = Object\.keys\(advancedOptionsErrors\)\.some/);
    expect(createJob).toContain('runtime_environment_parameters: props.model.runtimeEnvironmentParameters');
  });

  it('the stock panel that is replaced edited tags and the idempotency token', () => {
    const stock = source('advanced-options.tsx');
    expect(stock).toContain("const formPrefix = 'jp-create-job-advanced-';");
    expect(stock).toContain('tags: newTags');
    expect(stock).toContain("const idemTokenName = 'idempotencyToken';");
  });
});
