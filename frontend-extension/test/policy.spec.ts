import { chooseProfile, resolvePolicy } from '../src/policy';
import { parseProfilesResponse } from '../src/profiles';
import { loaded, NO_PROFILES_BODY, PROFILES_BODY } from './fixtures';

describe('parseProfilesResponse', () => {
  it('reads the contract example', () => {
    const r = parseProfilesResponse(PROFILES_BODY);
    expect(r.profiles.map(p => p.name)).toEqual(['cpu-basic', 'a100-single', 'custom']);
    expect(r.profiles[1]).toEqual({
      name: 'a100-single',
      displayName: 'Single A100 GPU',
      description: 'One A100 GPU.',
      cpu: '8',
      memory: '32Gi',
      gpu: 1,
      images: [
        'quay.io/jupyter/pytorch-notebook:2025-11-06',
        'quay.io/jupyter/tensorflow-notebook:2025-11-06'
      ],
      custom: false,
      overridable: ['cpu', 'memory'],
      queue: 'gpu-a100'
    });
    expect(r.defaultProfile).toBe('cpu-basic');
    expect(r.limits).toEqual({
      maxCpu: '16',
      maxMemory: '128Gi',
      maxGpu: 2,
      customImage: true,
      imagePattern: '^.+:.+$',
      allowedRegistries: ['quay.io'],
      maxTimeoutSeconds: 604800,
      maxRetries: 3
    });
    expect(r.user).toEqual({ name: 'alice', admin: false });
  });

  it('drops entries without a name and tolerates missing parts', () => {
    const r = parseProfilesResponse({ profiles: [{ cpu: '1' }, { name: 'x', cpu: 2 }] });
    expect(r.profiles).toEqual([
      expect.objectContaining({ name: 'x', displayName: 'x', cpu: '2', images: [], custom: false })
    ]);
    expect(r.limits.allowedRegistries).toEqual([]);
    expect(r.limits.maxCpu).toBeUndefined();
  });

  it('rejects what is no object', () => {
    expect(() => parseProfilesResponse([])).toThrow('not a JSON object');
  });
});

describe('chooseProfile', () => {
  const { profiles } = parseProfilesResponse(PROFILES_BODY);
  it('prefers the requested, then the default, then the first', () => {
    expect(chooseProfile(profiles, 'custom', 'cpu-basic')?.name).toBe('custom');
    expect(chooseProfile(profiles, 'gone', 'a100-single')?.name).toBe('a100-single');
    expect(chooseProfile(profiles, undefined, 'gone')?.name).toBe('cpu-basic');
    expect(chooseProfile([], 'x', 'y')).toBeUndefined();
  });
});

describe('resolvePolicy', () => {
  it('a fixed profile: read-only presets, overridable fields editable, image select', () => {
    const p = resolvePolicy(loaded(PROFILES_BODY), 'a100-single');
    expect(p.profile?.name).toBe('a100-single');
    expect(p.resources).toEqual({
      cpu: { editable: true, preset: '8' },
      memory: { editable: true, preset: '32Gi' },
      gpu: { editable: false, preset: '1' }
    });
    expect(p.image).toEqual({
      kind: 'select',
      options: [
        'quay.io/jupyter/pytorch-notebook:2025-11-06',
        'quay.io/jupyter/tensorflow-notebook:2025-11-06'
      ]
    });
  });

  it('a fixed profile without overrides or images', () => {
    const p = resolvePolicy(loaded(PROFILES_BODY), undefined);
    expect(p.profile?.name).toBe('cpu-basic');
    expect(p.resources.cpu).toEqual({ editable: false, preset: '2' });
    expect(p.resources.gpu).toEqual({ editable: false, preset: '0' });
    expect(p.image).toEqual({ kind: 'none', image: undefined });
  });

  it('a custom profile: all editable, free image within pattern and registries', () => {
    const p = resolvePolicy(loaded(PROFILES_BODY), 'custom');
    expect(p.resources.cpu.editable && p.resources.memory.editable && p.resources.gpu.editable).toBe(true);
    expect(p.image).toEqual({
      kind: 'free',
      pattern: '^.+:.+$',
      registries: ['quay.io'],
      suggestions: ['quay.io/jupyter/scipy-notebook:2025-11-06']
    });
  });

  it('a custom profile without limits.custom_image gets no free image', () => {
    const body = { ...PROFILES_BODY, limits: { ...PROFILES_BODY.limits, custom_image: false } };
    expect(resolvePolicy(loaded(body), 'custom').image).toEqual({
      kind: 'none',
      image: 'quay.io/jupyter/scipy-notebook:2025-11-06'
    });
  });

  it('no profiles configured: free fields within the limits, no picker', () => {
    const p = resolvePolicy(loaded(NO_PROFILES_BODY), undefined);
    expect(p.profiles).toEqual([]);
    expect(p.profile).toBeUndefined();
    expect(p.limits?.maxCpu).toBe('4');
    expect(p.resources.cpu).toEqual({ editable: true });
  });

  it('404: free fields, limits unknown, no note', () => {
    const p = resolvePolicy({ status: 'unavailable' }, undefined);
    expect(p.limits).toBeUndefined();
    expect(p.profiles).toEqual([]);
    expect(p.note).toBeUndefined();
    expect(p.resources.memory.editable).toBe(true);
  });

  it('another failure: free fields and a note', () => {
    const p = resolvePolicy({ status: 'failed', message: 'HTTP 502: bad gateway' }, undefined);
    expect(p.limits).toBeUndefined();
    expect(p.note).toContain('HTTP 502: bad gateway');
  });
});
