/// <reference path="../src/types/jupyterlab-scheduler.d.ts" />
import React, { useMemo, useState } from 'react';
import { act, cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import type { ICreateJobModel, Scheduler } from '@jupyterlab/scheduler';

import { createAdvancedOptions } from '../src/components/AdvancedOptions';
import { ProfilesState } from '../src/profiles';
import { SchedulerView } from '../src/schedulerViews';
import { loaded, NO_PROFILES_BODY, PROFILES_BODY } from './fixtures';

type Props = Scheduler.IAdvancedOptionsProps;

function emptyModel(extra: Partial<ICreateJobModel> = {}): ICreateJobModel {
  return {
    jobName: 'nightly',
    inputFile: 'work/report.ipynb',
    environment: '',
    createType: 'Job',
    ...extra
  };
}

/** Plays the stock create form: holds the model and the error map, as create-job.tsx does. */
function renderCreate(loadProfiles: () => Promise<ProfilesState>, initial = emptyModel()) {
  const latest: {
    model: ICreateJobModel;
    errors: Scheduler.ErrorsType;
    setModel: (m: ICreateJobModel) => void;
  } = { model: initial, errors: {}, setModel: () => undefined };
  const Harness = (): JSX.Element => {
    const Panel = useMemo(() => createAdvancedOptions({ loadProfiles }), []);
    const [model, setModel] = useState<ICreateJobModel>(initial);
    const [errors, setErrors] = useState<Scheduler.ErrorsType>({});
    latest.model = model;
    latest.errors = errors;
    latest.setModel = setModel;
    const props = {
      jobsView: SchedulerView.CreateForm,
      model,
      handleModelChange: setModel,
      errors,
      handleErrorsChange: setErrors
    } as unknown as Props;
    return <Panel {...props} />;
  };
  const view = render(<Harness />);
  return { latest, view };
}

function renderDetail(
  jobsView: number,
  model: { [key: string]: unknown },
  openLog?: (jobId: string) => void
) {
  const Panel = createAdvancedOptions({
    loadProfiles: () => Promise.reject(new Error('detail views load no profiles')),
    openLog
  });
  const props = {
    jobsView,
    model,
    handleModelChange: () => undefined,
    errors: {},
    handleErrorsChange: () => undefined
  } as unknown as Props;
  return render(<Panel {...props} />);
}

function type(testId: string, value: string): void {
  fireEvent.change(screen.getByTestId(testId), { target: { value } });
}

const profiles = () => Promise.resolve(loaded(PROFILES_BODY));

describe('create form with profiles', () => {
  it('starts on the default profile and writes only its name', async () => {
    const { latest } = renderCreate(profiles);
    await waitFor(() =>
      expect(latest.model.runtimeEnvironmentParameters).toEqual({ profile: 'cpu-basic' })
    );
    const picker = screen.getByTestId('nbj-profile') as HTMLSelectElement;
    expect(picker.value).toBe('cpu-basic');
    expect(Array.from(picker.options).map(o => o.textContent)).toEqual([
      'Basic CPU',
      'Single A100 GPU',
      'Custom'
    ]);
    const cpu = screen.getByTestId('nbj-cpu') as HTMLInputElement;
    expect(cpu.value).toBe('2');
    expect(cpu.readOnly).toBe(true);
    expect((screen.getByTestId('nbj-memory') as HTMLInputElement).value).toBe('8Gi');
    expect(screen.queryByTestId('nbj-image')).toBeNull();
    expect(latest.errors).toEqual({});
  });

  it('a fixed profile: overridable fields are editable and checked against the limits', async () => {
    const { latest } = renderCreate(profiles);
    await screen.findByTestId('nbj-profile');
    fireEvent.change(screen.getByTestId('nbj-profile'), { target: { value: 'a100-single' } });
    await waitFor(() =>
      expect(latest.model.runtimeEnvironmentParameters).toEqual({
        profile: 'a100-single',
        image: 'quay.io/jupyter/pytorch-notebook:2025-11-06'
      })
    );
    expect((screen.getByTestId('nbj-cpu') as HTMLInputElement).readOnly).toBe(false);
    expect((screen.getByTestId('nbj-gpu') as HTMLInputElement).readOnly).toBe(true);
    expect((screen.getByTestId('nbj-gpu') as HTMLInputElement).value).toBe('1');

    type('nbj-cpu', '12');
    fireEvent.change(screen.getByTestId('nbj-image'), {
      target: { value: 'quay.io/jupyter/tensorflow-notebook:2025-11-06' }
    });
    await waitFor(() =>
      expect(latest.model.runtimeEnvironmentParameters).toEqual({
        profile: 'a100-single',
        cpu: '12',
        image: 'quay.io/jupyter/tensorflow-notebook:2025-11-06'
      })
    );

    type('nbj-cpu', '17');
    await waitFor(() =>
      expect(latest.errors).toEqual({ cpu: 'CPU: 17 exceeds the maximum of 16' })
    );
    expect(screen.getByText('CPU: 17 exceeds the maximum of 16')).toBeTruthy();
    type('nbj-cpu', '16');
    await waitFor(() => expect(latest.errors).toEqual({}));
  });

  it('a custom profile: cpu, memory, gpu and image come from the form', async () => {
    const { latest } = renderCreate(profiles);
    await screen.findByTestId('nbj-profile');
    fireEvent.change(screen.getByTestId('nbj-profile'), { target: { value: 'custom' } });
    await waitFor(() =>
      expect(latest.model.runtimeEnvironmentParameters).toEqual({
        profile: 'custom',
        cpu: '1',
        memory: '4Gi'
      })
    );
    type('nbj-cpu', '500m');
    type('nbj-memory', '2Gi');
    type('nbj-gpu', '2');
    type('nbj-image', 'quay.io/me/notebook:1');
    await waitFor(() =>
      expect(latest.model.runtimeEnvironmentParameters).toEqual({
        profile: 'custom',
        cpu: '500m',
        memory: '2Gi',
        gpu: 2,
        image: 'quay.io/me/notebook:1'
      })
    );
    expect(latest.errors).toEqual({});

    type('nbj-image', 'docker.io/me/notebook:1');
    type('nbj-gpu', '3');
    type('nbj-memory', '4');
    await waitFor(() =>
      expect(latest.errors).toEqual({
        gpu: 'GPUs: 3 exceeds the maximum of 2',
        memory: 'Memory: 4 is 4 bytes, less than 16Mi; did you mean 4Mi or 4Gi?',
        image: "Image: 'docker.io/me/notebook:1' is not from an allowed registry (quay.io)"
      })
    );

    // Clearing a field removes its key.
    type('nbj-image', '');
    type('nbj-gpu', '');
    type('nbj-memory', '');
    await waitFor(() =>
      expect(latest.model.runtimeEnvironmentParameters).toEqual({ profile: 'custom', cpu: '500m' })
    );
    expect(latest.errors).toEqual({});
  });

  it('keeps its parameters when the stock form writes a stale model', async () => {
    const initial = emptyModel();
    const { latest } = renderCreate(profiles, initial);
    await waitFor(() =>
      expect(latest.model.runtimeEnvironmentParameters).toEqual({ profile: 'cpu-basic' })
    );
    // create-job.tsx sets the environment from a closure over the first model.
    act(() => latest.setModel({ ...initial, environment: 'default' }));
    await waitFor(() =>
      expect(latest.model).toMatchObject({
        environment: 'default',
        runtimeEnvironmentParameters: { profile: 'cpu-basic' }
      })
    );
  });

  it('keeps other keys the model already has', async () => {
    const { latest } = renderCreate(
      profiles,
      emptyModel({ runtimeEnvironmentParameters: { team: 'analytics', cpu: '3' } })
    );
    await waitFor(() =>
      expect(latest.model.runtimeEnvironmentParameters).toEqual({
        team: 'analytics',
        profile: 'cpu-basic'
      })
    );
  });
});

describe('create form without profiles', () => {
  it('404: no picker, free fields without limits, no note', async () => {
    const { latest } = renderCreate(() => Promise.resolve({ status: 'unavailable' }));
    await screen.findByTestId('nbj-cpu');
    expect(screen.queryByTestId('nbj-profile')).toBeNull();
    expect(screen.queryByTestId('nbj-profiles-note')).toBeNull();
    expect((screen.getByTestId('nbj-cpu') as HTMLInputElement).readOnly).toBe(false);
    expect(latest.model.runtimeEnvironmentParameters).toBeUndefined();

    type('nbj-cpu', '64');
    type('nbj-memory', '1Ti');
    type('nbj-gpu', '4');
    await waitFor(() =>
      expect(latest.model.runtimeEnvironmentParameters).toEqual({
        cpu: '64',
        memory: '1Ti',
        gpu: 4
      })
    );
    expect(latest.errors).toEqual({});
    type('nbj-cpu', '0');
    await waitFor(() =>
      expect(latest.errors).toEqual({ cpu: 'CPU: must be more than 0 (examples: 2, 500m)' })
    );
  });

  it('other failures: the same fields and a note', async () => {
    renderCreate(() => Promise.resolve({ status: 'failed', message: 'HTTP 500: boom' }));
    const note = await screen.findByTestId('nbj-profiles-note');
    expect(note.textContent).toContain('HTTP 500: boom');
    expect(screen.queryByTestId('nbj-profile')).toBeNull();
    expect(screen.getByTestId('nbj-cpu')).toBeTruthy();
  });

  it('a loader that throws counts as a failure', async () => {
    renderCreate(() => Promise.reject(new Error('offline')));
    const note = await screen.findByTestId('nbj-profiles-note');
    expect(note.textContent).toContain('offline');
  });

  it('no profiles configured: limits still apply', async () => {
    const { latest } = renderCreate(() => Promise.resolve(loaded(NO_PROFILES_BODY)));
    await screen.findByTestId('nbj-cpu');
    expect(screen.queryByTestId('nbj-profile')).toBeNull();
    type('nbj-cpu', '5');
    type('nbj-gpu', '1');
    await waitFor(() =>
      expect(latest.errors).toEqual({
        cpu: 'CPU: 5 exceeds the maximum of 4',
        gpu: 'GPUs: 1 exceeds the maximum of 0'
      })
    );
  });
});

describe('create form: environment, run limits, tags, token', () => {
  it('environment rows: add, edit, validate, remove', async () => {
    const { latest } = renderCreate(() => Promise.resolve({ status: 'unavailable' }));
    await screen.findByTestId('nbj-cpu');
    fireEvent.click(screen.getByTestId('nbj-env-add'));
    fireEvent.click(screen.getByTestId('nbj-env-add'));
    type('nbj-env-name-0', 'API_TOKEN');
    type('nbj-env-value-0', 's3cr3t');
    type('nbj-env-name-1', 'AWS_SECRET');
    type('nbj-env-value-1', 'x');
    expect((screen.getByTestId('nbj-env-value-0') as HTMLInputElement).type).toBe('password');
    await waitFor(() =>
      expect(latest.errors).toEqual({
        'env-1-name':
          'Environment variable 2: AWS_SECRET is reserved for the executor and cannot be set'
      })
    );
    expect(latest.model.runtimeEnvironmentParameters).toEqual({
      'env.API_TOKEN': 's3cr3t',
      'env.AWS_SECRET': 'x'
    });
    fireEvent.click(screen.getByTestId('nbj-env-remove-1'));
    await waitFor(() => expect(latest.errors).toEqual({}));
    expect(latest.model.runtimeEnvironmentParameters).toEqual({ 'env.API_TOKEN': 's3cr3t' });
    fireEvent.click(screen.getByTestId('nbj-env-remove-0'));
    await waitFor(() => expect(latest.model.runtimeEnvironmentParameters).toEqual({}));
  });

  it('maximum run time with a unit, and retries, within the limits', async () => {
    const { latest } = renderCreate(profiles);
    await screen.findByTestId('nbj-profile');
    type('nbj-timeout', '2');
    fireEvent.change(screen.getByTestId('nbj-timeout-unit'), { target: { value: 'hours' } });
    type('nbj-retries', '3');
    await waitFor(() =>
      expect(latest.model.runtimeEnvironmentParameters).toEqual({
        profile: 'cpu-basic',
        timeout_seconds: 7200,
        max_retries: 3
      })
    );
    fireEvent.change(screen.getByTestId('nbj-timeout-unit'), { target: { value: 'days' } });
    type('nbj-timeout', '8');
    type('nbj-retries', '4');
    await waitFor(() =>
      expect(latest.errors).toEqual({
        timeout_seconds: 'Maximum run time: 691200 seconds exceeds the maximum of 604800 (7 days)',
        max_retries: 'Retries: must be between 0 and 3'
      })
    );
    type('nbj-timeout', '');
    type('nbj-retries', '');
    await waitFor(() =>
      expect(latest.model.runtimeEnvironmentParameters).toEqual({ profile: 'cpu-basic' })
    );
    expect(latest.errors).toEqual({});
  });

  it('tags and idempotency token go to model.tags and model.idempotencyToken', async () => {
    const { latest } = renderCreate(() => Promise.resolve({ status: 'unavailable' }));
    await screen.findByTestId('nbj-cpu');
    fireEvent.click(screen.getByTestId('nbj-tag-add'));
    await waitFor(() => expect(latest.errors).toEqual({
      'tag-0': 'Tag 1: each tag must be 1 to 256 characters'
    }));
    type('nbj-tag-0', 'nightly');
    fireEvent.click(screen.getByTestId('nbj-tag-add'));
    type('nbj-tag-1', 'finance');
    type('nbj-idempotency-token', 'run-2025-01-01');
    await waitFor(() =>
      expect(latest.model).toMatchObject({
        tags: ['nightly', 'finance'],
        idempotencyToken: 'run-2025-01-01'
      })
    );
    expect(latest.errors).toEqual({});
    // The stock ids are kept.
    expect(document.getElementById('jp-create-job-advanced-tag-0')).toBeTruthy();
    expect(document.getElementById('jp-create-job-advanced-idempotencyToken')).toBeTruthy();
    fireEvent.click(screen.getByTestId('nbj-tag-remove-0'));
    type('nbj-idempotency-token', '');
    await waitFor(() => expect(latest.model.tags).toEqual(['finance']));
    expect(latest.model.idempotencyToken).toBeUndefined();
    expect(JSON.stringify(latest.model)).not.toContain('idempotencyToken');
  });

  it('a job definition has no idempotency token field', async () => {
    renderCreate(
      () => Promise.resolve({ status: 'unavailable' }),
      emptyModel({ createType: 'JobDefinition' })
    );
    await screen.findByTestId('nbj-cpu');
    expect(screen.queryByTestId('nbj-idempotency-token')).toBeNull();
  });

  it('comes back with the values a remounted panel left in the model', async () => {
    renderCreate(
      profiles,
      emptyModel({
        runtimeEnvironmentParameters: {
          profile: 'a100-single',
          cpu: '4',
          'env.MODE': 'fast',
          timeout_seconds: 5400
        }
      })
    );
    await screen.findByTestId('nbj-profile');
    expect((screen.getByTestId('nbj-profile') as HTMLSelectElement).value).toBe('a100-single');
    expect((screen.getByTestId('nbj-cpu') as HTMLInputElement).value).toBe('4');
    expect((screen.getByTestId('nbj-env-name-0') as HTMLInputElement).value).toBe('MODE');
    expect((screen.getByTestId('nbj-timeout') as HTMLInputElement).value).toBe('90');
    expect((screen.getByTestId('nbj-timeout-unit') as HTMLSelectElement).value).toBe('minutes');
  });
});

describe('detail views (read-only)', () => {
  const echoed = {
    profile: 'custom',
    cpu: '500m',
    memory: '2Gi',
    gpu: 1,
    image: 'quay.io/me/notebook:1',
    'env.API_TOKEN': '********',
    'env.MODE': '********',
    timeout_seconds: 7200,
    max_retries: 2,
    team: 'analytics'
  };

  it('job detail shows every field, env names with masked values, token and tags', () => {
    renderDetail(SchedulerView.JobDetail, {
      jobName: 'nightly',
      jobId: 'a-b',
      runtimeEnvironmentParameters: echoed,
      idempotencyToken: 'run-1',
      tags: ['nightly', 'finance']
    });
    const panel = screen.getByTestId('nbj-advanced-options');
    expect(panel.getAttribute('data-view')).toBe('job');
    const value = (id: string): string =>
      within(screen.getByTestId(id)).getByText((_, el) => el?.classList.contains('nbj-Labeled-value') ?? false)
        .textContent ?? '';
    expect(value('nbj-ro-profile')).toBe('custom');
    expect(value('nbj-ro-cpu')).toBe('500m');
    expect(value('nbj-ro-memory')).toBe('2Gi');
    expect(value('nbj-ro-gpu')).toBe('1');
    expect(value('nbj-ro-image')).toBe('quay.io/me/notebook:1');
    expect(value('nbj-ro-timeout')).toBe('2 hours (7200 seconds)');
    expect(value('nbj-ro-retries')).toBe('2');
    expect(value('nbj-ro-idempotency-token')).toBe('run-1');
    expect(screen.getByTestId('nbj-ro-env-API_TOKEN').textContent).toBe('API_TOKEN = ********');
    expect(screen.getByTestId('nbj-ro-env-MODE').textContent).toBe('MODE = ********');
    expect(screen.getByTestId('nbj-ro-other').textContent).toContain('team = analytics');
    expect(value('nbj-ro-tag-0')).toBe('nightly');
    expect(value('nbj-ro-tag-1')).toBe('finance');
    expect(panel.querySelectorAll('input').length).toBe(0);
  });

  it('job detail opens the job\'s log; the definition detail has no log to open', () => {
    const opened: string[] = [];
    renderDetail(SchedulerView.JobDetail, { jobName: 'x', jobId: 'job-7' }, id => opened.push(id));
    fireEvent.click(screen.getByTestId('nbj-open-log'));
    expect(opened).toEqual(['job-7']);
    cleanup();
    renderDetail(SchedulerView.JobDefinitionDetail, { name: 'y', definitionId: 'def-1' }, id => opened.push(id));
    expect(screen.queryByTestId('nbj-open-log')).toBeNull();
  });

  it('never shows an environment value, even one that arrives unmasked', () => {
    renderDetail(SchedulerView.JobDetail, {
      jobName: 'x',
      jobId: 'a-b',
      runtimeEnvironmentParameters: { 'env.SECRET': 'plain-text' }
    });
    expect(screen.getByTestId('nbj-advanced-options').textContent).not.toContain('plain-text');
    expect(screen.getByTestId('nbj-ro-env-SECRET').textContent).toBe('SECRET = ********');
  });

  it('job-definition detail: no token, dashes for what is not set, no tags', () => {
    renderDetail(SchedulerView.JobDefinitionDetail, {
      name: 'weekly',
      definitionId: 'a-b',
      runtimeEnvironmentParameters: { cpu: '2' }
    });
    expect(screen.getByTestId('nbj-advanced-options').getAttribute('data-view')).toBe(
      'job-definition'
    );
    expect(screen.queryByTestId('nbj-ro-idempotency-token')).toBeNull();
    expect(screen.getByTestId('nbj-ro-cpu').textContent).toContain('2');
    expect(screen.getByTestId('nbj-ro-memory').textContent).toContain('\u2014');
    expect(screen.getByTestId('nbj-ro-tags').textContent).toBe('No tags');
  });

  it('any other view (e.g. editing a definition) renders read-only without breaking', () => {
    renderDetail(SchedulerView.EditJobDefinition, { name: 'weekly' });
    expect(screen.getByTestId('nbj-advanced-options')).toBeTruthy();
  });
});

describe('create form: notifications', () => {
  const withNotifications = (email: boolean, webhooks: string[]) => () =>
    Promise.resolve(loaded({ ...PROFILES_BODY, notifications: { email, webhooks } }));

  it('offers email and the configured webhooks, and sends them as notify.* parameters', async () => {
    const { latest } = renderCreate(withNotifications(true, ['chat', 'team']));
    await screen.findByTestId('nbj-notify');
    expect(screen.getByTestId('nbj-notify').textContent).toContain('Names, comma-separated: chat, team');
    type('nbj-notify-email-on_failure', 'oncall@example.org,  ann@example.org');
    type('nbj-notify-webhook-on_success', 'team');
    await waitFor(() =>
      expect(latest.model.runtimeEnvironmentParameters).toMatchObject({
        'notify.email.on_failure': 'oncall@example.org, ann@example.org',
        'notify.webhook.on_success': 'team'
      })
    );
    expect(latest.model.runtimeEnvironmentParameters).not.toHaveProperty('notify.email.on_start');
    expect(latest.errors).toEqual({});

    type('nbj-notify-email-on_start', 'ann at example');
    type('nbj-notify-webhook-on_failure', 'https://hooks.example.org/x');
    await waitFor(() =>
      expect(latest.errors).toEqual({
        'notify.email.on_start': "Email when it starts: 'ann' is not an email address",
        'notify.webhook.on_failure':
          "Webhooks when it fails: no webhook named 'https://hooks.example.org/x' (configured: chat, team)"
      })
    );
  });

  it('shows no notification fields when the service can send none', async () => {
    renderCreate(withNotifications(false, []));
    await screen.findByTestId('nbj-cpu');
    expect(screen.queryByTestId('nbj-notify')).toBeNull();
  });

  it('email only: no webhook fields, and an edited copy keeps what it had', async () => {
    const initial = emptyModel();
    initial.runtimeEnvironmentParameters = { 'notify.email.on_success': 'ann@example.org' };
    const { latest } = renderCreate(withNotifications(true, []), initial);
    await screen.findByTestId('nbj-notify');
    expect(screen.queryByTestId('nbj-notify-webhook-on_start')).toBeNull();
    expect((screen.getByTestId('nbj-notify-email-on_success') as HTMLInputElement).value).toBe('ann@example.org');
    await waitFor(() =>
      expect(latest.model.runtimeEnvironmentParameters).toMatchObject({
        'notify.email.on_success': 'ann@example.org'
      })
    );
  });

  it('the detail view lists who is told, not as other parameters', () => {
    renderDetail(SchedulerView.JobDetail, {
      jobName: 'x',
      jobId: 'a-b',
      runtimeEnvironmentParameters: {
        'notify.email.on_failure': 'oncall@example.org',
        'notify.webhook.on_success': 'team'
      }
    });
    expect(screen.getByTestId('nbj-ro-notify-0').textContent).toBe('Email when it failsoncall@example.org');
    expect(screen.getByTestId('nbj-ro-notify-1').textContent).toBe('Webhooks when it completesteam');
    expect(screen.queryByTestId('nbj-ro-other')).toBeNull();
  });
});
