/// <reference path="./types/jupyterlab-scheduler.d.ts" />
import React from 'react';

import { JupyterFrontEnd, JupyterFrontEndPlugin } from '@jupyterlab/application';
import { ICommandPalette, InputDialog, MainAreaWidget } from '@jupyterlab/apputils';
import { Scheduler } from '@jupyterlab/scheduler';
import { ReactWidget } from '@jupyterlab/ui-components';

import { createAdvancedOptions } from './components/AdvancedOptions';
import { LogPanel } from './components/LogPanel';
import { OPEN_LOG_COMMAND } from './logs';
import { fetchProfiles } from './profiles';

/**
 * Replaces the scheduler's "Additional options" panel (the stock plugin
 * `@jupyterlab/scheduler:IAdvancedOptions` is disabled in package.json). Not started on
 * its own: JupyterLab activates it when the scheduler plugin requires the token.
 */
export const advancedOptionsPlugin: JupyterFrontEndPlugin<Scheduler.IAdvancedOptions> = {
  id: 'notebook-jobs-jupyter:advanced-options',
  description:
    'Notebook Jobs fields in the scheduler create form: profile, CPU, memory, GPUs, image, environment variables, maximum run time, retries, tags, idempotency token.',
  autoStart: false,
  provides: Scheduler.IAdvancedOptions,
  // The app (always the first argument) is all it needs: its server settings reach
  // the profiles route through the Jupyter server, its commands open a job's log.
  requires: [],
  activate: (app: JupyterFrontEnd): Scheduler.IAdvancedOptions =>
    createAdvancedOptions({
      loadProfiles: () => fetchProfiles(app.serviceManager.serverSettings),
      openLog: (jobId: string) => void app.commands.execute(OPEN_LOG_COMMAND, { jobId })
    })
};

/**
 * A job's log in the main area: from the job detail view's "Open log" button, or from the
 * command palette with a job id. One panel per job; opening it again shows the same panel.
 */
export const logPlugin: JupyterFrontEndPlugin<void> = {
  id: 'notebook-jobs-jupyter:logs',
  description: "A Notebook Jobs job's log and progress: live while it runs, the saved log after.",
  autoStart: true,
  optional: [ICommandPalette],
  activate: (app: JupyterFrontEnd, palette: ICommandPalette | null): void => {
    const open = new Map<string, MainAreaWidget>();
    app.commands.addCommand(OPEN_LOG_COMMAND, {
      label: args => (args.jobId ? 'Open Notebook Job Log' : 'Open Notebook Job Log\u2026'),
      caption: 'Show the log of a notebook job: live while it runs, the saved log after it ends',
      execute: async args => {
        let jobId = typeof args.jobId === 'string' ? args.jobId.trim() : '';
        if (!jobId) {
          const answer = await InputDialog.getText({ title: 'Open the log of the job with id' });
          jobId = answer.button.accept && answer.value ? answer.value.trim() : '';
          if (!jobId) {
            return;
          }
        }
        let widget = open.get(jobId);
        if (!widget || widget.isDisposed) {
          const content = ReactWidget.create(
            React.createElement(LogPanel, { jobId, settings: app.serviceManager.serverSettings })
          );
          content.addClass('nbj-LogPanel-widget');
          widget = new MainAreaWidget({ content });
          widget.id = `nbj-log-${jobId}`;
          widget.title.label = `Log: ${jobId.slice(0, 8)}`;
          widget.title.caption = `Notebook job ${jobId}`;
          widget.title.closable = true;
          open.set(jobId, widget);
          widget.disposed.connect(() => open.delete(jobId));
          app.shell.add(widget, 'main');
        }
        app.shell.activateById(widget.id);
      }
    });
    palette?.addItem({ command: OPEN_LOG_COMMAND, category: 'Notebook Jobs' });
  }
};

export default [advancedOptionsPlugin, logPlugin];
