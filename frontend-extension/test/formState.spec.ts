import {
  applyProfile,
  IFormState,
  keepEditsForProfile,
  readFormState,
  writeParameters
} from '../src/formState';
import { resolvePolicy } from '../src/policy';
import { loaded, NO_PROFILES_BODY, PROFILES_BODY } from './fixtures';

const EMPTY: IFormState = readFormState(undefined);

describe('writeParameters', () => {
  it('a fixed profile sends only its name (the profile sets cpu, memory and gpu)', () => {
    const policy = resolvePolicy(loaded(PROFILES_BODY), 'cpu-basic');
    const state = applyProfile(EMPTY, policy);
    expect(state).toMatchObject({ profile: 'cpu-basic', cpu: '2', memory: '8Gi', gpu: '0' });
    expect(writeParameters(undefined, state, policy)).toEqual({ profile: 'cpu-basic' });
  });

  it('a fixed profile sends an overridable field only when changed, and the chosen image', () => {
    const policy = resolvePolicy(loaded(PROFILES_BODY), 'a100-single');
    const state = applyProfile(EMPTY, policy);
    expect(writeParameters(undefined, state, policy)).toEqual({
      profile: 'a100-single',
      image: 'quay.io/jupyter/pytorch-notebook:2025-11-06'
    });
    expect(
      writeParameters(
        undefined,
        {
          ...state,
          cpu: '4',
          gpu: '2', // read-only: ignored
          image: 'quay.io/jupyter/tensorflow-notebook:2025-11-06'
        },
        policy
      )
    ).toEqual({
      profile: 'a100-single',
      cpu: '4',
      image: 'quay.io/jupyter/tensorflow-notebook:2025-11-06'
    });
  });

  it('a fixed profile never sends an image it does not list', () => {
    const policy = resolvePolicy(loaded(PROFILES_BODY), 'a100-single');
    const state = { ...applyProfile(EMPTY, policy), image: 'evil:latest' };
    expect(writeParameters(undefined, state, policy)).toEqual({ profile: 'a100-single' });
  });

  it('a custom profile sends cpu, memory, gpu (a number) and the typed image', () => {
    const policy = resolvePolicy(loaded(PROFILES_BODY), 'custom');
    const state = applyProfile(EMPTY, policy);
    expect(state).toMatchObject({ cpu: '1', memory: '4Gi', gpu: '', image: '' });
    expect(writeParameters(undefined, state, policy)).toEqual({
      profile: 'custom',
      cpu: '1',
      memory: '4Gi'
    });
    expect(
      writeParameters(
        undefined,
        { ...state, cpu: ' 500m ', gpu: '1', image: 'quay.io/me/nb:1' },
        policy
      )
    ).toEqual({
      profile: 'custom',
      cpu: '500m',
      memory: '4Gi',
      gpu: 1,
      image: 'quay.io/me/nb:1'
    });
  });

  it('no profiles: no profile key, free fields, nothing for empty fields', () => {
    for (const state of [loaded(NO_PROFILES_BODY), { status: 'unavailable' as const }]) {
      const policy = resolvePolicy(state, undefined);
      expect(writeParameters(undefined, EMPTY, policy)).toEqual({});
      expect(
        writeParameters(undefined, { ...EMPTY, cpu: '2', memory: '4Gi', gpu: '0', image: 'x:1' }, policy)
      ).toEqual({ cpu: '2', memory: '4Gi', gpu: 0 });
    }
  });

  it('environment rows become env.NAME keys; rows without a name are skipped', () => {
    const policy = resolvePolicy({ status: 'unavailable' }, undefined);
    const state: IFormState = {
      ...EMPTY,
      env: [
        { name: 'API_TOKEN', value: 's3cr3t' },
        { name: '', value: '' },
        { name: 'EMPTY_ONE', value: '' },
        { name: 'MODE', value: 'fast' }
      ]
    };
    expect(writeParameters(undefined, state, policy)).toEqual({
      'env.API_TOKEN': 's3cr3t',
      'env.EMPTY_ONE': '',
      'env.MODE': 'fast'
    });
  });

  it('maximum run time in seconds and retries as numbers', () => {
    const policy = resolvePolicy({ status: 'unavailable' }, undefined);
    expect(
      writeParameters(undefined, { ...EMPTY, timeout: '1.5', timeoutUnit: 'hours', retries: '2' }, policy)
    ).toEqual({ timeout_seconds: 5400, max_retries: 2 });
    expect(
      writeParameters(undefined, { ...EMPTY, timeout: '0.1', timeoutUnit: 'minutes' }, policy)
    ).toEqual({ timeout_seconds: 6 });
  });

  it('clearing a field removes its key and keeps keys the form does not know', () => {
    const policy = resolvePolicy({ status: 'unavailable' }, undefined);
    const before = {
      cpu: '2',
      memory: '4Gi',
      gpu: 1,
      image: 'x:1',
      'env.OLD': 'v',
      timeout_seconds: 60,
      max_retries: 1,
      k8s_cpu: '3',
      profile: 'gone',
      custom_key: 'kept',
      flag: true
    };
    const state = readFormState(before);
    expect(writeParameters(before, state, policy)).toEqual({
      cpu: '2',
      memory: '4Gi',
      gpu: 1,
      'env.OLD': 'v',
      timeout_seconds: 60,
      max_retries: 1,
      custom_key: 'kept',
      flag: true
    });
    const cleared: IFormState = {
      ...state,
      cpu: '',
      memory: ' ',
      gpu: '',
      env: [],
      timeout: '',
      retries: ''
    };
    expect(writeParameters(before, cleared, policy)).toEqual({ custom_key: 'kept', flag: true });
  });
});

describe('readFormState', () => {
  it('reads what the form wrote, with the largest whole unit for the run time', () => {
    expect(
      readFormState({
        profile: 'custom',
        cpu: '2',
        memory: '4Gi',
        gpu: 1,
        image: 'quay.io/x:1',
        'env.A': 'x',
        timeout_seconds: 7200,
        max_retries: 2,
        'notify.email.on_failure': 'a@example.org, b@example.org'
      })
    ).toEqual({
      profile: 'custom',
      cpu: '2',
      memory: '4Gi',
      gpu: '1',
      image: 'quay.io/x:1',
      env: [{ name: 'A', value: 'x' }],
      timeout: '2',
      timeoutUnit: 'hours',
      retries: '2',
      notify: {
        'email.on_start': '',
        'email.on_success': '',
        'email.on_failure': 'a@example.org, b@example.org',
        'webhook.on_start': '',
        'webhook.on_success': '',
        'webhook.on_failure': ''
      }
    });
    expect(readFormState({ timeout_seconds: 90 })).toMatchObject({ timeout: '90', timeoutUnit: 'seconds' });
    expect(readFormState({ timeout_seconds: 86400 })).toMatchObject({ timeout: '1', timeoutUnit: 'days' });
    expect(readFormState({ k8s_memory: '1Gi' }).memory).toBe('1Gi');
  });

  it('keepEditsForProfile keeps overrides but resets read-only fields', () => {
    const policy = resolvePolicy(loaded(PROFILES_BODY), 'a100-single');
    const state = readFormState({ profile: 'a100-single', cpu: '4', gpu: 2, image: 'nope:1' });
    expect(keepEditsForProfile(state, policy)).toMatchObject({
      profile: 'a100-single',
      cpu: '4',
      memory: '32Gi',
      gpu: '1',
      image: 'quay.io/jupyter/pytorch-notebook:2025-11-06'
    });
  });
});
