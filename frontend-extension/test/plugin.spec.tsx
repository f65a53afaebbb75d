/// <reference path="../src/types/jupyterlab-scheduler.d.ts" />
import React from 'react';
import { render, screen, waitFor } from '@testing-library/react';
import { JupyterFrontEnd } from '@jupyterlab/application';
import { Scheduler } from '@jupyterlab/scheduler';
import { ServerConnection } from '@jupyterlab/services';
import { CommandRegistry } from '@lumino/commands';
import { Widget } from '@lumino/widgets';

import plugins, { advancedOptionsPlugin as plugin, logPlugin } from '../src/index';
import { OPEN_LOG_COMMAND } from '../src/logs';
import { SchedulerView } from '../src/schedulerViews';
import { PROFILES_BODY } from './fixtures';
import { ProfileServer } from './profileServer';

const packageJson = require('../package.json');

describe('the plugin', () => {
  it('exports the options plugin and the log plugin', () => {
    expect(plugins).toEqual([plugin, logPlugin]);
    expect(logPlugin.autoStart).toBe(true);
  });

  it('opens one log panel per job in the main area, and lists the command in the palette', async () => {
    const commands = new CommandRegistry();
    const added: Widget[] = [];
    const activated: string[] = [];
    const paletteItems: unknown[] = [];
    const app = {
      commands,
      serviceManager: { serverSettings: ServerConnection.makeSettings({ baseUrl: 'http://127.0.0.1:9/' }) },
      shell: {
        add: (widget: Widget, area: string) => {
          expect(area).toBe('main');
          added.push(widget);
        },
        activateById: (id: string) => activated.push(id)
      }
    } as unknown as JupyterFrontEnd;
    logPlugin.activate(app, { addItem: (item: unknown) => paletteItems.push(item) });
    expect(paletteItems).toEqual([{ command: OPEN_LOG_COMMAND, category: 'Notebook Jobs' }]);

    await commands.execute(OPEN_LOG_COMMAND, { jobId: 'job-1' });
    await commands.execute(OPEN_LOG_COMMAND, { jobId: 'job-1' });
    expect(added.map(w => w.id)).toEqual(['nbj-log-job-1']);
    expect(activated).toEqual(['nbj-log-job-1', 'nbj-log-job-1']);
    expect(added[0].title.caption).toBe('Notebook job job-1');

    // Closed, it opens anew.
    added[0].dispose();
    await commands.execute(OPEN_LOG_COMMAND, { jobId: 'job-1' });
    expect(added.map(w => w.id)).toEqual(['nbj-log-job-1', 'nbj-log-job-1']);
    added[1].dispose();
  });

  it('provides the scheduler token, is started only on demand, replaces the stock plugin', () => {
    expect(plugin.id).toBe('notebook-jobs-jupyter:advanced-options');
    expect(plugin.provides).toBe(Scheduler.IAdvancedOptions);
    expect(plugin.provides?.name).toBe('@jupyterlab/scheduler:IAdvancedOptions');
    expect(plugin.autoStart).toBe(false);
    expect(packageJson.jupyterlab.disabledExtensions).toEqual([
      '@jupyterlab/scheduler:IAdvancedOptions'
    ]);
    expect(packageJson.jupyterlab.sharedPackages['@jupyterlab/scheduler']).toEqual({
      bundled: false,
      singleton: true
    });
  });

  describe('activated', () => {
    const server = new ProfileServer();
    let root = '';
    beforeAll(async () => {
      root = await server.start();
    });
    afterAll(() => server.stop());

    it('loads the profiles from the app server settings and renders the form', async () => {
      server.answer(200, PROFILES_BODY);
      const app = {
        serviceManager: {
          serverSettings: ServerConnection.makeSettings({ baseUrl: `${root}user/bob/` })
        }
      } as unknown as JupyterFrontEnd;
      const Panel = plugin.activate(app) as Scheduler.IAdvancedOptions;
      const models: unknown[] = [];
      const props = {
        jobsView: SchedulerView.CreateForm,
        model: { jobName: 'x', inputFile: 'x.ipynb', environment: '', createType: 'Job' },
        handleModelChange: (m: unknown) => models.push(m),
        errors: {},
        handleErrorsChange: () => undefined
      } as unknown as Scheduler.IAdvancedOptionsProps;
      render(<Panel {...props} />);
      const picker = (await screen.findByTestId('nbj-profile')) as HTMLSelectElement;
      expect(picker.value).toBe('cpu-basic');
      expect(server.requests.map(r => r.url.split('?')[0])).toEqual([
        '/user/bob/scheduler/profiles'
      ]);
      await waitFor(() =>
        expect(models[models.length - 1]).toMatchObject({
          runtimeEnvironmentParameters: { profile: 'cpu-basic' }
        })
      );
    });
  });
});
