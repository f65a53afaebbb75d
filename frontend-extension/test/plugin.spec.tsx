/// <reference path="../src/types/jupyterlab-scheduler.d.ts" />
import React from 'react';
import { render, screen, waitFor } from '@testing-library/react';
import { JupyterFrontEnd } from '@jupyterlab/application';
import { Scheduler } from '@jupyterlab/scheduler';
import { ServerConnection } from '@jupyterlab/services';

import plugin from '../src/index';
import { SchedulerView } from '../src/schedulerViews';
import { PROFILES_BODY } from './fixtures';
import { ProfileServer } from './profileServer';

const packageJson = require('../package.json');

describe('the plugin', () => {
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
