/// <reference path="./types/jupyterlab-scheduler.d.ts" />
import { JupyterFrontEnd, JupyterFrontEndPlugin } from '@jupyterlab/application';
import { Scheduler } from '@jupyterlab/scheduler';

import { createAdvancedOptions } from './components/AdvancedOptions';
import { fetchProfiles } from './profiles';

/**
 * Replaces the scheduler's "Additional options" panel (the stock plugin
 * `@jupyterlab/scheduler:IAdvancedOptions` is disabled in package.json). Not started on
 * its own: JupyterLab activates it when the scheduler plugin requires the token.
 */
const advancedOptionsPlugin: JupyterFrontEndPlugin<Scheduler.IAdvancedOptions> = {
  id: 'notebook-jobs-jupyter:advanced-options',
  description:
    'Notebook Jobs fields in the scheduler create form: profile, CPU, memory, GPUs, image, environment variables, maximum run time, retries, tags, idempotency token.',
  autoStart: false,
  provides: Scheduler.IAdvancedOptions,
  // The app (always the first argument) is all it needs: its server settings reach
  // the profiles route through the Jupyter server.
  requires: [],
  activate: (app: JupyterFrontEnd): Scheduler.IAdvancedOptions =>
    createAdvancedOptions({
      loadProfiles: () => fetchProfiles(app.serviceManager.serverSettings)
    })
};

export default advancedOptionsPlugin;
