import { IProfilesResponse, parseProfilesResponse, ProfilesState } from '../src/profiles';

/** The example answer of GET /scheduler/profiles from the contract, with a custom profile added. */
export const PROFILES_BODY = {
  profiles: [
    {
      name: 'cpu-basic',
      display_name: 'Basic CPU',
      description: '2 cores, 8 GiB',
      cpu: '2',
      memory: '8Gi',
      gpu: 0,
      images: [],
      custom: false,
      overridable: []
    },
    {
      name: 'a100-single',
      display_name: 'Single A100 GPU',
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
    },
    {
      name: 'custom',
      display_name: 'Custom',
      description: 'Choose resources and image',
      cpu: '1',
      memory: '4Gi',
      images: ['quay.io/jupyter/scipy-notebook:2025-11-06'],
      custom: true,
      overridable: []
    }
  ],
  default_profile: 'cpu-basic',
  limits: {
    max_cpu: '16',
    max_memory: '128Gi',
    max_gpu: 2,
    custom_image: true,
    image_pattern: '^.+:.+$',
    allowed_registries: ['quay.io'],
    max_timeout_seconds: 604800,
    max_retries: 3
  },
  user: { name: 'alice', admin: false }
};

export const NO_PROFILES_BODY = {
  profiles: [],
  limits: { max_cpu: '4', max_memory: '16Gi', max_gpu: 0, custom_image: false, max_timeout_seconds: 86400, max_retries: 1 }
};

export function loaded(body: unknown): ProfilesState {
  return { status: 'loaded', response: parseProfilesResponse(body) as IProfilesResponse };
}
